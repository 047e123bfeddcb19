"""Data in and out in a hospital's own formats: FHIR R4 bundles, HL7 v2 ORU^R01 results, CSV back-entry."""
