"""A patient's record as a FHIR R4 Bundle: the Patient, obs as vital-sign Observations, labs with their
reference ranges, medication administrations, the CRS and ICANS grades as Observations in cartwatch's own
code system with the reasons as notes, organ findings as Conditions with their CTCAE grade as severity, routine
interventions as Procedures, daily clinical reviews as ClinicalImpressions, neurological events as exam
Observations and monitoring exceptions as Flags. Only records in force are exported (an amended record as its
current version, one entered in error not at all); the Bundle is checked against the R4B models before it is
returned.

The shared datatypes are in `datatypes`, the resources in `observations`, `medications` and `clinical`, the
Bundle around them in `bundle`.
"""

from data.imports.fhir_out.bundle import patient_bundle
from data.imports.fhir_out.clinical import _monitoring_exception  # its period boundary is tested on its own

__all__ = ["_monitoring_exception", "patient_bundle"]
