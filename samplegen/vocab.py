"""Clinical vocabulary for the synthetic notes: none of it is PHI. Eponyms, brand names, scores and
abbreviations are deliberate hard negatives for a de-identifier (they look like names or dates)."""

from __future__ import annotations

# Conditions, many of them eponyms that look like person names.
CONDITIONS = (
    "Parkinson's disease", "Alzheimer's dementia", "Crohn's disease", "Hodgkin lymphoma in remission",
    "Bell's palsy", "Cushing syndrome", "Graves disease", "Hashimoto's thyroiditis", "Addison's disease",
    "Sjogren's syndrome", "Raynaud's phenomenon", "Guillain-Barre syndrome", "Barrett's esophagus",
    "Wolff-Parkinson-White", "Meniere's disease", "Paget's disease of bone", "Dupuytren's contracture",
    "Huntington's disease", "Wernicke encephalopathy", "Marfan syndrome", "Down syndrome", "Still's disease",
    "Kaposi sarcoma", "Lyme disease", "Hirschsprung disease", "Tourette syndrome", "Buerger's disease",
    "Charcot foot", "Baker's cyst", "Osgood-Schlatter disease", "Peyronie's disease", "Cushing's disease",
    "hypertension", "hyperlipidemia", "type 2 diabetes mellitus", "CAD s/p CABG", "COPD", "CHF with reduced EF",
    "atrial fibrillation", "CKD stage 3", "GERD", "OSA on CPAP", "hypothyroidism", "depression", "anxiety",
    "BPH", "osteoarthritis", "gout", "DVT", "history of PE", "HFpEF", "ESRD on HD", "cirrhosis",
    "iron deficiency anemia", "peripheral neuropathy", "asthma", "migraine", "obesity", "morbid obesity",
    "prior CVA with residual L hemiparesis", "seizure disorder", "schizophrenia", "bipolar disorder",
    "alcohol use disorder", "chronic low back pain", "macular degeneration", "glaucoma", "osteoporosis",
)

MEDS = (
    ("Lasix", ("20 mg", "40 mg", "80 mg"), "PO", ("daily", "BID")),
    ("Coumadin", ("2.5 mg", "5 mg", "7.5 mg"), "PO", ("qHS", "daily")),
    ("Tylenol", ("650 mg", "1 g", "500 mg"), "PO", ("q6h PRN pain", "q8h PRN", "TID")),
    ("metoprolol tartrate", ("12.5 mg", "25 mg", "50 mg"), "PO", ("BID",)),
    ("metoprolol succinate", ("25 mg", "50 mg", "100 mg"), "PO", ("daily",)),
    ("lisinopril", ("5 mg", "10 mg", "20 mg", "40 mg"), "PO", ("daily",)),
    ("atorvastatin", ("20 mg", "40 mg", "80 mg"), "PO", ("nightly", "daily")),
    ("Eliquis", ("2.5 mg", "5 mg"), "PO", ("BID",)),
    ("Xarelto", ("15 mg", "20 mg"), "PO", ("daily with dinner",)),
    ("Lovenox", ("40 mg", "1 mg/kg"), "SC", ("daily", "q12h")),
    ("heparin", ("5000 units",), "SC", ("q8h", "q12h")),
    ("insulin glargine", ("10 units", "18 units", "24 units"), "SC", ("qHS",)),
    ("Humalog", ("4 units", "6 units"), "SC", ("with meals", "per sliding scale")),
    ("metformin", ("500 mg", "1000 mg"), "PO", ("BID",)),
    ("Synthroid", ("50 mcg", "75 mcg", "112 mcg"), "PO", ("daily",)),
    ("Protonix", ("40 mg",), "PO", ("daily", "BID")),
    ("Zofran", ("4 mg",), "IV", ("q6h PRN nausea",)),
    ("Dilaudid", ("0.5 mg", "1 mg"), "IV", ("q3h PRN severe pain",)),
    ("oxycodone", ("5 mg", "10 mg"), "PO", ("q4h PRN",)),
    ("Percocet", ("5/325 mg 1 tab",), "PO", ("q6h PRN",)),
    ("Ativan", ("0.5 mg", "1 mg"), "PO", ("q6h PRN anxiety", "qHS PRN")),
    ("Haldol", ("0.5 mg", "1 mg", "2 mg"), "IV", ("once", "q6h PRN agitation")),
    ("Seroquel", ("25 mg", "50 mg"), "PO", ("qHS",)),
    ("Keppra", ("500 mg", "750 mg", "1000 mg"), "PO", ("BID",)),
    ("Flomax", ("0.4 mg",), "PO", ("daily",)),
    ("Plavix", ("75 mg",), "PO", ("daily",)),
    ("aspirin", ("81 mg", "325 mg"), "PO", ("daily",)),
    ("Norvasc", ("5 mg", "10 mg"), "PO", ("daily",)),
    ("Zosyn", ("3.375 g", "4.5 g"), "IV", ("q8h", "q6h")),
    ("vancomycin", ("1 g", "1250 mg", "15 mg/kg"), "IV", ("q12h", "q24h")),
    ("ceftriaxone", ("1 g", "2 g"), "IV", ("daily",)),
    ("Keflex", ("500 mg",), "PO", ("QID", "q6h")),
    ("Bactrim DS", ("1 tab",), "PO", ("BID",)),
    ("Cipro", ("500 mg",), "PO", ("BID",)),
    ("prednisone", ("5 mg", "10 mg", "40 mg"), "PO", ("daily",)),
    ("senna", ("8.6 mg 2 tabs",), "PO", ("qHS",)),
    ("Colace", ("100 mg",), "PO", ("BID",)),
    ("Miralax", ("17 g",), "PO", ("daily PRN",)),
    ("KCl", ("20 mEq", "40 mEq"), "PO", ("x1", "daily")),
    ("magnesium oxide", ("400 mg",), "PO", ("BID",)),
    ("gabapentin", ("100 mg", "300 mg"), "PO", ("TID", "qHS")),
    ("sertraline", ("50 mg", "100 mg"), "PO", ("daily",)),
    ("albuterol", ("2 puffs",), "INH", ("q4h PRN wheeze",)),
    ("Spiriva", ("18 mcg",), "INH", ("daily",)),
    ("Ambien", ("5 mg",), "PO", ("qHS PRN",)),
    ("Benadryl", ("25 mg",), "PO", ("qHS PRN itch",)),
    ("Narcan", ("0.4 mg",), "IV", ("PRN",)),
    ("carbidopa-levodopa", ("25/100 mg 1 tab",), "PO", ("TID",)),
    ("donepezil", ("5 mg", "10 mg"), "PO", ("qHS",)),
)

# (name, low, high, decimals)
LABS = (
    ("Na", 128, 146, 0), ("K", 3.0, 5.6, 1), ("Cl", 95, 110, 0), ("HCO3", 18, 30, 0), ("BUN", 8, 60, 0),
    ("Cr", 0.6, 3.2, 1), ("Glucose", 70, 320, 0), ("WBC", 3.1, 18.5, 1), ("Hgb", 7.1, 15.2, 1),
    ("Hct", 22.0, 45.0, 1), ("Plt", 90, 420, 0), ("INR", 0.9, 3.8, 1), ("Trop", 0.01, 0.45, 2),
    ("BNP", 40, 2400, 0), ("Lactate", 0.8, 4.5, 1), ("A1c", 5.4, 11.2, 1), ("TSH", 0.2, 7.5, 2),
    ("Mg", 1.4, 2.6, 1), ("Phos", 2.1, 5.2, 1), ("ALT", 12, 180, 0), ("AST", 14, 210, 0),
    ("Alk phos", 50, 310, 0), ("T bili", 0.3, 4.1, 1), ("Albumin", 2.1, 4.6, 1), ("Lipase", 20, 900, 0),
    ("CK", 40, 2200, 0), ("ESR", 5, 90, 0), ("CRP", 0.5, 180, 1), ("Ferritin", 12, 900, 0),
)

# Exam findings by system; several are eponymous signs.
EXAM_FINDINGS: dict[str, tuple[str, ...]] = {
    "general": ("NAD", "frail, elderly appearing", "uncomfortable appearing", "well appearing", "diaphoretic"),
    "heent": ("pupils equal, round, reactive", "mucous membranes dry", "no scleral icterus", "EOMI",
              "oropharynx clear", "Mallampati III airway"),
    "cv": ("RRR, no m/r/g", "irregularly irregular rhythm", "2/6 systolic murmur at RUSB", "no JVD",
           "Levine sign noted", "S3 present", "distant heart sounds"),
    "lung": ("lungs clear to auscultation bilaterally", "bibasilar crackles", "diffuse expiratory wheezes",
             "decreased breath sounds at the right base", "no increased work of breathing"),
    "abd": ("abdomen soft, NT/ND, +BS", "positive Murphy's sign", "Murphy's sign negative",
            "tender at McBurney's point", "Rovsing sign absent", "no Cullen or Grey Turner sign", "ascites present",
            "well healed midline scar"),
    "neuro": ("Babinski sign negative bilaterally", "no Kernig or Brudzinski sign", "Romberg negative",
              "no focal neurologic deficits", "A&O x3", "CN II-XII grossly intact", "strength 5/5 throughout",
              "strength 4/5 in the left upper extremity", "mild resting tremor of the right hand",
              "cogwheel rigidity", "Chvostek sign negative", "Trousseau sign negative", "Trendelenburg gait",
              "asterixis present"),
    "ext": ("1+ pitting edema to mid shin bilaterally", "Homan's sign negative", "positive Tinel sign at the wrist",
            "Phalen test positive on the right", "Lachman negative", "McMurray test equivocal",
            "negative straight leg raise", "Spurling test negative", "warm and well perfused"),
    "skin": ("no rashes", "sacral stage 2 pressure injury", "well healed sternotomy scar", "ecchymoses on both "
             "forearms", "jaundice"),
}


SCORES = (
    "Glasgow Coma Scale 15", "GCS 14", "GCS 9", "Apgar 8 and 9", "Wells score 2", "CHA2DS2-VASc 4",
    "MELD 18", "NIHSS 3", "Braden score 14", "Morse fall score 45", "PHQ-9 of 7", "MoCA 24/30", "CURB-65 of 2",
    "HAS-BLED 3", "TIMI 2", "CIWA 8", "RASS -1", "Mallampati III", "ASA class 3", "Ranson 2", "Child-Pugh B",
    "Karnofsky 60", "ECOG 2", "Gleason 3+4",
)

DEVICES_AND_PROCEDURES = (
    "Foley catheter", "Swan-Ganz catheter", "Whipple procedure", "Nissen fundoplication", "Hartmann's procedure",
    "Roux-en-Y gastric bypass", "Pap smear", "Holter monitor", "Doppler study", "Gram stain", "Kerlix dressing",
    "Jackson-Pratt drain", "Hickman line", "Port-a-Cath", "PICC line", "Ace wrap", "Dobhoff tube",
    "Yankauer suction", "Ambu bag", "Mepilex dressing", "Tegaderm", "Hoyer lift", "Bair Hugger", "Pleur-evac",
    "Blakemore tube", "Greenfield filter", "Tenckhoff catheter", "Quinton catheter", "Miami J collar",
    "Thomas splint", "Ilizarov frame", "Denver shunt", "Ommaya reservoir", "Cordis introducer", "Impella",
)

CHIEF_COMPLAINTS = (
    "shortness of breath", "chest pain", "abdominal pain", "fall", "altered mental status", "fever", "syncope",
    "weakness", "cough", "nausea and vomiting", "leg swelling", "palpitations", "dizziness", "melena",
    "hematemesis", "dysuria", "back pain", "headache", "confusion", "rash", "failure to thrive", "hypoglycemia",
    "word-finding difficulty", "right leg pain", "diarrhea", "hip pain after a fall", "COPD exacerbation",
)

SERVICES = ("Medicine", "General Medicine", "Hospitalist", "Cardiology", "Surgery", "Orthopedics", "Neurology",
            "MICU", "Geriatrics", "Oncology", "Nephrology", "GI", "Pulmonary", "Trauma")
SPECIALTIES = ("cardiology", "nephrology", "GI", "neurology", "ID", "pulmonology", "endocrinology",
               "palliative care", "psychiatry", "orthopedics", "general surgery", "urology", "PT/OT", "nutrition",
               "wound care", "hematology", "geriatrics", "social work", "case management")
