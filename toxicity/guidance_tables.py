"""The guideline's management text as data (Guideline ACLIN.P.088 v2.1), in its own words.

Corrections to the source text, all obvious typos: "Perform echo is persistent hypotension" -> "if";
"steroids can be taper" -> "tapered"; "toculizumab" -> "tocilizumab"; "continued until improvement to
Grade 1 neurotoxicity and then." -> "... and then taper." (as in grade 3); Table 5 grade 3 sends "Stage 1 or 2
papilloedema with CSF opening pressure <20 mmHg" to "Table 5" (itself) - the algorithm for it is Table 7.
Line breaks from the PDF are joined and the citation marker "[3]" after Anakinra is dropped; nothing else
is changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

GUIDELINE = "Guideline ACLIN.P.088"

ROUTINE_MONITORING_SOURCE = f"{GUIDELINE} Clinical Approach: routine interventions"
ROUTINE_MONITORING: tuple[str, ...] = (
    "4 hourly routine observation monitoring",
    "Daily clinical assessment and examination",
    "Twice daily CRS assessment and grading",
    "8 hourly neurotoxicity assessment and grading",
    "Daily bloods including FBC, Coag, U+E, LFT, Bone, CRP and Ferritin",
)
NEUTROPENIA: tuple[str, ...] = ("Blood count support including transfusions and GCSF if neutrophils < 0.5",)
NEUTROPENIC_FEVER_SOURCE = f"{GUIDELINE} Clinical Approach: routine interventions; Table 2 (grade 1)"
NEUTROPENIC_FEVER: tuple[str, ...] = (
    "Patients with suspected infection should follow standard neutropenic sepsis guidelines [NP10_004/005/006]",
    "If fever treat for neutropenic infections protocol",
)

CRS_SOURCE = f"{GUIDELINE} Table 2: Management of CRS"
CRS_MANAGEMENT: Mapping[int, tuple[str, ...]] = MappingProxyType(
    {
        1: (
            "Supportive care including analgesics and antipyretics",
            "If fever treat for neutropenic infections protocol",
            "Consider tocilizumab for persistent (lasting >3 days) and refractory fever",
        ),
        2: (
            "IV fluid bolus 500-1000ml to maintain SBP > 90mmHg.",
            "Administer Tocilizumab early if persistent fever of ≥39°C, hypotension after initial fluid bolus "
            "or initiation of oxygen supplementation.",
            "If persistent hypotension after two fluid bolus and Tocilizumab transfer to ICU for consideration "
            "of low-dose vasopressor therapy.",
            "Add Dexamethasone 10mg IV 6 hourly if hypotension persists after anti-IL-6 therapy, high risk for "
            "severe CRS, worsening hypoxia or clinical concern",
        ),
        3: (
            "Intensive care should be considered",
            "Administer Tocilizumab",
            "Add steroids if unresponsive within 24 hours Dexamethasone 10 mg IV every 6 hours;",
            "If refractory increase to 20 mg IV every 6 hours.",
            "If unresponsive CRS add Anakinra",
            "Consider anti-tumour necrosis factor (TNF) antibodies as clinically appropriate.",
            "Perform echo if persistent hypotension",
        ),
        4: (
            "Intensive care.",
            "Administer tocilizumab",
            "High dose methylprednisolone 1 g/day IV",
            "If unresponsive CRS add Anakinra",
            "If unresponsive, consider alternative agents such as anti-TNF, and other agents as appropriate.",
        ),
    }
)

CRS_DRUGS_SOURCE = f"{GUIDELINE} Table 3: Pharmacological management of CRS"
CRS_DRUGS: tuple[str, ...] = (
    "Tocilizumab - indication: Grade 2 CRS or persistent fever - dose: 8 mg/kg infused over 1 hour, Total "
    "single dose not to exceed 800 mg. Repeat dose if no response within 6 to 12 hours and consider steroids "
    "as below.",
    "Anakinra - indication: Grade 3 OR 4 CRS refractory to tocilizumab and steroids - dose: 2mg/kg daily for 3-5 days.",
    "A named patient supply of four doses of Tocilizumab will be available on ward 33 for all CAR-T patients. "
    "This supply should be transferred with the patient if moved to ICU.",
)

ICANS_SOURCE = f"{GUIDELINE} Table 5: Management and Follow-up of Neurological AEs"
ICANS_MANAGEMENT: Mapping[int, tuple[str, ...]] = MappingProxyType(
    {
        1: (
            "Vigilant supportive care; aspiration precautions; IV hydration",
            "Withhold oral intake of food, medicines, and fluids, and assess swallowing",
            "Consider conversion of oral medication or nutrition to IV",
            "Avoid sedating medications",
            "Lorazepam (0.25 to 0.5 mg IV every 8 hours) or haloperidol (0.5 mg IV every 6 hours) can be used "
            "for agitated patients",
            "Organise neurology consultation",
            "Fundoscopic exam to assess for papilloedema",
            "Consider MRI of the brain; diagnostic lumbar puncture including opening pressure; MRI spine if "
            "focal neurological deficits; CT brain can be performed if MRI of the brain is not feasible",
            "Early EEG ideally within 24 hours, repeated if condition deteriorates",
            "If EEG shows non-convulsive status epilepticus, treat as per algorithm in Table 6.",
            "Consider tocilizumab 8 mg/kg IV, if neurotoxicity associated with CRS.",
        ),
        2: (
            "Supportive care and neurological work-up as indicated for Grade 1.",
            "Tocilizumab 8 mg/kg IV if associated with concurrent CRS.",
            "Dexamethasone 10 mg IV every 6 hours or methylprednisolone 1 mg/kg IV every 12 hours if refractory "
            "to anti-IL-6 therapy, or for neurotoxicity without concurrent CRS.",
        ),
        3: (
            "Supportive care and neurological work-up as indicated for Grade 1 if not done already.",
            "ICU transfer is recommended",
            "Anti-IL-6 therapy if associated with concurrent CRS, as described for Grade 2 neurotoxicity and if "
            "not administered previously.",
            "Dexamethasone 10 mg IV every 6 hours or methylprednisolone 1 mg/kg IV every 12 hours if refractory "
            "to anti-IL-6 therapy, or for neurotoxicity without concurrent CRS; continue corticosteroids until "
            "improvement to Grade 1 neurotoxicity and then taper.",
            "Stage 1 or 2 papilloedema with CSF opening pressure <20 mmHg should be treated as per algorithm "
            "presented in Table 7.",
            "Consider repeat neuroimaging (CT or MRI) every 2 to 3 days if patient has persistent Grade ≥3 "
            "neurotoxicity.",
        ),
        4: (
            "Supportive care and neurological work-up as outlined for Grade 1 neurotoxicity.",
            "ICU monitoring; consider mechanical ventilation for airway protection.",
            "Anti-IL-6 therapy if concurrent CRS",
            "High-dose corticosteroids continued until improvement to Grade 1 neurotoxicity and then taper.",
            "Consider repeat neuroimaging every 2-3 days for persistent ICANS",
            "For convulsive status epilepticus, treat as per algorithm in Table 6.",
            "Stage ≥3 papilloedema, with a CSF opening pressure ≥20 mmHg or cerebral oedema, should be treated "
            "as per algorithm in Table 7.",
            "Worsening: May consider use of lymphodepleting drugs such as cyclophosphamide or other drugs if "
            "unresponsive to standard immunosuppressive therapies such as Anakinra",
        ),
    }
)

ICANS_GENERAL_SOURCE = f"{GUIDELINE} Table 5: Management and Follow-up of Neurological AEs (General)"
ICANS_GENERAL: tuple[str, ...] = (
    "Once sustained clinical improvement is observed steroids can be tapered; for example, methylprednisolone "
    "IV 1 g/day for 3 days, followed by rapid taper at 250 mg every 12 hours for 2 days, 125 mg every 12 hours "
    "for 2 days, and 60 mg every 12 hours for 2 days. Patients on IV steroids may be switched to an equivalent "
    "dose of oral corticosteroids (e.g. prednisone) at start of tapering or earlier",
    "Prophylactic antibiotics or other antimicrobials as clinically appropriate.",
    "Rigorous control of blood pressure and electrolytes (particularly calcium and magnesium).",
)

STATUS_EPILEPTICUS_SOURCE = (
    f"{GUIDELINE} Table 6: Recommendation for the Management of Status Epilepticus after CAR-T Cell Therapy"
)
NONCONVULSIVE_STATUS_EPILEPTICUS: tuple[str, ...] = (
    "Assess airway, breathing, and circulation; check blood glucose.",
    "Lorazepam 0.5 mg IV, with additional 0.5 mg IV every 5 min, as needed, up to a total of 2 mg to control "
    "electrographical seizures.",
    "Levetiracetam 500 mg IV bolus, as well as maintenance doses.",
    "If seizures persist, transfer to ICU and treat with phenobarbital loading dose of 60 mg IV.",
    "Maintenance doses after resolution of non-convulsive status epilepticus are as follows: lorazepam 0.5 mg "
    "IV every 8 hours for three doses; levetiracetam 1000 mg IV every 12 hours; phenobarbital 30 mg IV every "
    "12 hours.",
)
CONVULSIVE_STATUS_EPILEPTICUS: tuple[str, ...] = (
    "Assess airway, breathing, and circulation; check blood glucose.",
    "Transfer to ICU.",
    "Lorazepam* 2 mg IV, with additional 2 mg IV to a total of 4 mg to control seizures.",
    "Levetiracetam 500 mg IV bolus, as well as maintenance doses.",
    "If seizures persist, add phenobarbital treatment at a loading dose of 15 mg/kg IV.",
    "Maintenance doses after resolution of convulsive status epilepticus are: lorazepam 0.5 mg IV every 8 "
    "hours for three doses; levetiracetam 1000 mg IV every 12 hours; phenobarbital 1–3 mg/kg IV every 12 hours.",
    "Continuous electroencephalogram monitoring should be performed, if seizures are refractory to treatment.",
)

RAISED_ICP_SOURCE = (
    f"{GUIDELINE} Table 7: Recommendation for Management of raised intracranial pressure (ICP) after CAR-T cell therapy"
)
PAPILLOEDEMA_LOW_PRESSURE_CONDITION = (
    "Stage 1 or 2 papilloedema with CSF opening pressure of <20 mmHg without cerebral oedema"
)
PAPILLOEDEMA_LOW_PRESSURE: tuple[str, ...] = (
    "Acetazolamide 1000 mg IV, followed by 250 to 1000 mg IV every 12 hours (adjust dose based on renal "
    "function and acid–base balance, monitored 1 to 2 times daily).",
)
RAISED_ICP_SEVERE_CONDITION = (
    "Stage 3, 4, or 5 papilloedema, with any sign of cerebral oedema on imaging studies, or a CSF opening "
    "pressure of ≥20 mmHg"
)
RAISED_ICP_SEVERE: tuple[str, ...] = (
    "Use high-dose corticosteroids with methylprednisolone IV 1 g/day, as recommended for Grade 4 "
    "CAR-T-cell-related encephalopathy syndrome.",
    "Elevate head end of the patient’s bed to an angle of 30 degrees.",
    "Hyperventilation to achieve target partial pressure of arterial carbon dioxide (PaCO2) of 28 to 30 mmHg, "
    "but maintained for no longer than 24 hours.",
    "Hyperosmolar therapy with either mannitol (20 g/dl solution) or hypertonic saline (3% or 23.4%, as "
    "detailed below)",
    "Mannitol: initial dose 0.5 to 1 g/kg; maintenance at 0.25 to 1 g/kg every 6 hours while monitoring "
    "metabolic profile and serum osmolality every 6 hours, and withhold mannitol if serum osmolality is "
    "≥320 mOsm/kg, or the osmolality gap is ≥40.",
    "Hypertonic saline: initial 250 mL of 3% hypertonic saline; maintenance at 50 to 75 mL/h while monitoring "
    "electrolytes every 4 hours, and withhold infusion if serum Na levels reach ≥155 mEq/l.",
    "For patients with imminent herniation: initial 30 mL of 23.4% hypertonic saline; repeat after 15 "
    "minutes, if needed.",
    "If patient has Ommaya reservoir, drain CSF to target opening pressure of <20 mmHg.",
    "Consider neurosurgery consultation and IV anaesthetics for burst suppression pattern on electroencephalography.",
    "Metabolic profiling every 6 hours and daily CT scan of head, with adjustments in usage of the "
    "aforementioned medications to prevent rebound cerebral oedema, renal failure, electrolyte abnormalities, "
    "hypovolemia, and hypotension.",
)

ANAKINRA: tuple[str, ...] = (
    "Anakinra - indication: Grade 3 OR 4 CRS refractory to tocilizumab and steroids - dose: 2mg/kg daily for 3-5 days.",
)
TOCILIZUMAB_SUPPLY_SOURCE = f"{GUIDELINE} Medications used to treat CRS"
TOCILIZUMAB_RESCUE = (
    "A named patient supply of four doses of Tocilizumab will be available on ward 33 for all CAR-T patients. "
    "This supply should be transferred with the patient if moved to ICU. A further supply of tocilizumab is "
    "stored in Freeman Pharmacy Emergency Drug Fridge in a box labelled: Quarantine - For CAR-T Cell rescue only"
)

HLH_SOURCE = f"{GUIDELINE} CAR-related HLH (Table 6: Diagnostic criteria for CAR-T-cell-related HLH/MAS; Figure 1)"
HLH_MANAGEMENT: tuple[str, ...] = (
    "HLH/MAS should initially be managed according to the guidelines for cytokine-release syndrome, with "
    "appropriate subsequent laboratory testing to monitor response to treatment. If the results of these "
    "tests reveal no improvement within 48 h, escalation of treatment should be considered.",
    "Fulminant and refractory HLH/MAS to steroids and tocilizumab is observed in ~1% of all patients treated "
    "with CAR-T-cell therapy. If the patient has no improvement within 48 h after commencement of steroids and "
    "tocilizumab, additional therapy with etoposide 75–100 mg/m2 should be considered. This agent can be used "
    "in patients with liver and kidney dysfunction. Indeed, rapid initiation of etoposide therapy, in spite of "
    "organ dysfunction, is imperative for patients with high probability of a HLH diagnosis, owing to the high "
    "risk of death.",
    "Etoposide can be repeated after 4–7 days, as indicated clinically or serologically, to achieve adequate "
    "disease control.",
    "Intrathecal cytarabine, with or without hydrocortisone, should also be considered for patients with "
    "HLH-associated neurotoxicity.",
    "Although etoposide and cytarabine are often used in the treatment of familial and malignancy-associated "
    "HLH, at present, direct evidence to support their use in patients with CAR-T-cell-associated HLH is "
    "lacking.",
)
