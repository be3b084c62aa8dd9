"""Discharge summaries: long, sectioned, PHI-dense headers, a problem-based hospital course."""

from __future__ import annotations

from samplegen.context import Writer

_TITLES = ("DISCHARGE SUMMARY", "Discharge Summary", "HOSPITAL DISCHARGE SUMMARY", "Discharge Note",
           "DISCHARGE SUMMARY - {service}", "Physician Discharge Summary", "Transfer/Discharge Summary")

_HEADER_FIELDS = (
    ("Patient: {pt_formal}", "Name: {pt_formal}", "PATIENT NAME: {pt_formal}", "Pt: {pt_formal}"),
    ("MRN: {mrn}", "MR#: {mrn}", "Medical Record #: {mrn}", "Unit No: {mrn}", "MRN {mrn}", "Med Rec No. {mrn}"),
    ("DOB: {date_dob}", "Date of Birth: {date_dob}", "D.O.B. {date_dob}", "Birth date: {date_dob}"),
    ("Admission Date: {date_adm}", "Admitted: {date_adm}", "Date of Admission: {date_adm}", "Adm: {date_adm}"),
    ("Discharge Date: {date_dc}", "Discharged: {date_dc}", "Date of Discharge: {date_dc}", "D/C date: {date_dc}"),
    ("Attending: {dr}", "Attending Physician: {dr}", "Discharging physician: {dr}"),
    ("PCP: {pcp}", "Primary Care Physician: {pcp}", "Primary care: {pcp}"),
    ("Service: {service}", "Admitting service: {service}"),
    ("Account #: {acct}", "FIN: {acct}", "Visit #: {acct}", "Acct No: {acct}", "Encounter/Account: {acct}"),
    ("Facility: {hosp}", "Hospital: {hosp}", "{hosp}"),
    ("Age: {age_num}", "Age/Sex: {age_num}/{sex}"),
    ("Insurance: {plan}", "Payer: {plan}"),
    ("Unit/Room: 7 West {room}", "Location: {room}", "Bed: {room}"),
    ("Code status: Full code", "Code Status: DNR/DNI", "Code status: DNR, OK to intubate"),
)

_HPI = (
    "{pt} is {a_age} {man} with a history of {cond}, {cond}, and {cond} who presents with {cc} {duration}.",
    "{A_age} {man} with PMH significant for {cond} and {cond} presenting [from home|from {hosp_other}|via EMS|"
    "from rehab|from an assisted living facility] with {cc}.",
    "Patient is {a_age} {sex} w/ {cond} who was in {his} usual state of health until {date_prior}, when {he} "
    "developed {cc}.",
    "{He} was seen at {hosp_other} on {date_near} and transferred for further management.",
    "Per {rel}, the patient had been [more confused|less active|eating less|more short of breath] over the "
    "past few days.",
    "{He} reports {cc} {duration}, [worse with exertion|intermittent|constant], associated with {cc}.",
    "Denies fevers, chills, chest pain, or dysuria.", "No recent travel or sick contacts.",
    "In the ED, vitals were T {temp}, HR {hr}, BP {bp}, RR {rr}, SpO2 {spo2} on {o2}.",
    "ED vitals: {temp} {hr} {bp} {rr} {spo2} {o2}.",
    "Labs [notable for|were significant for|showed] {labs}.",
    "{He} was given {med} and admitted to {service}.",
    "History obtained from the patient and {rel}, who can be reached at {rel_phone}.",
    "Of note, {he} was recently discharged from {hosp} on {date_prior} after an admission for {cond}.",
    "{He} lives alone in {city} and was found on the floor by {rel}.",
    "{He} takes {med} and reports good adherence, though {he} ran out {duration}.",
    "ECG showed [sinus rhythm|atrial fibrillation|sinus tachycardia] at {hr} without acute ST changes.",
    "Head CT was negative for bleed.", "Patient was hemodynamically stable on arrival.",
    "{His} {rel} noted that {he} fell twice [last week|this month|since {date_prior}].",
    "[Unable to obtain full history as patient is|History limited as patient is] [nonverbal|intubated|"
    "confused|hard of hearing].",
    "Received {dose} of IV Lasix in the ED with good urine output.",
    "Of note, {he} was started on {med} by {pcp} on {date_prior}.",
    "Patient was recently treated for {cond} at {hosp_other} {date_prior}.",
)

_SOCIAL = (
    "Lives with {rel} in {city}.", "Lives [alone|with family|in senior housing] in a [first-floor apartment|"
    "two-story home|single-level home] in {city}, {state}.", "Retired [teacher|machinist|nurse|mail carrier|"
    "engineer|bus driver].", "Former smoker, [20|40|15] pack-years, quit {year_prior}.",
    "Drinks [1-2 glasses of wine per week|socially|a 6-pack daily], denies illicit drug use.",
    "Never smoker. No EtOH.", "Health care proxy: {rel}, phone {rel_phone}.",
    "HCP is {rel} ({rel_phone}).", "Independent in ADLs, uses a cane.", "Requires assistance with IADLs.",
    "Moved here from {state} in {year_prior}.", "Works as a [contractor|cashier|accountant|home health aide].",
    "Address on file: {addr}.", "Emigrated from [Vietnam|Haiti|Nigeria|Guatemala|Poland|India] in {year_prior}; "
    "[Vietnamese|Haitian Creole|Yoruba|Spanish|Polish|Hindi]-speaking, interpreter used.",
)

_FAMILY = ("Mother with {cond}. Father died of MI at [62|58|70].", "Noncontributory.",
           "Father with {cond}; mother with {cond}.", "Sister with breast cancer at age [45|51|38].",
           "{rel_age}, alive and well.", "Family history of {cond} in {his} mother.", "No family history of "
           "colon cancer.", "Brother with Hodgkin lymphoma.", "Mother had Alzheimer's and died at {other_age}.")

_COURSE = (
    ("Acute on chronic systolic heart failure", (
        "Presented volume overloaded with BNP elevated and bilateral effusions on CXR.",
        "{He} was diuresed with IV Lasix {dose} BID with net negative 1-2 L daily.",
        "TTE on {date_near} showed EF {ef} with moderate MR.",
        "Transitioned to oral torsemide on {date_short}; discharge weight should serve as dry weight.",
        "Metoprolol was held initially for soft blood pressures and resumed prior to discharge.",
        "Cardiology ({dr2}) was consulted and recommended outpatient ischemic workup.",
        "Daily weights and strict I/Os were followed; {he} was counseled on a 2 g sodium diet.")),
    ("Community-acquired pneumonia", (
        "CXR with [RLL|LLL|RML|bilateral] consolidation.", "Started on ceftriaxone and azithromycin on {date_adm}.",
        "Sputum Gram stain with GPCs in pairs.", "Blood cultures from {date_adm} with no growth to date.",
        "Transitioned to PO cefpodoxime to complete a 5-day course ending {date_next}.",
        "O2 was weaned from {o2} to room air by {date_short}.", "Procalcitonin trended down.",
        "Legionella and strep urine antigens negative.")),
    ("Acute kidney injury", (
        "Cr peaked at 2.4 from a baseline of 1.1, felt to be prerenal in the setting of poor PO intake.",
        "Improved with gentle IV fluids.", "Lisinopril and metformin were held.", "Renal ultrasound unremarkable.",
        "Nephrology ({dr2}) was consulted.", "Discharge labs: {labs}.", "Foley catheter removed on {date_short}.")),
    ("Atrial fibrillation with RVR", (
        "Rate controlled with a diltiazem drip, then transitioned to metoprolol succinate.",
        "{score}; started on Eliquis 5 mg BID after discussion with the patient and {rel}.",
        "TSH within normal limits.", "Telemetry without further episodes of RVR after {date_short}.",
        "Coumadin was previously managed at the {hosp} anticoagulation clinic.")),
    ("Toxic-metabolic encephalopathy / delirium", (
        "Likely multifactorial in the setting of infection and underlying Alzheimer's dementia.",
        "Received Haldol 0.5 mg IV x1 on {date_short} for agitation; otherwise managed non-pharmacologically.",
        "A 1:1 sitter was required overnight.", "Family ({rel}) at bedside helped with reorientation.",
        "Mental status returned to baseline per {rel} by {date_short}.", "CIWA protocol was not required.")),
    ("Upper GI bleed", (
        "EGD on {date_near} by {dr2} showed a Mallory-Weiss tear with no active bleeding.",
        "Transfused 2 units PRBC.", "Hgb stable at 8.9 over 48 hours.",
        "Protonix 40 mg IV BID transitioned to PO at discharge.", "Aspirin held; resume on {date_next} per GI.",
        "Barrett's esophagus seen on prior EGD in {year_prior}.")),
    ("Left hip fracture s/p fall", (
        "Orthopedics ({dr2}) performed ORIF of the left hip on {date_near}.",
        "PT recommends short-term rehab; accepted at {hosp_other}.",
        "Pain controlled with Tylenol and low-dose oxycodone.", "Lovenox for DVT prophylaxis x 4 weeks.",
        "Weight bearing as tolerated.", "Staples to be removed at 2 weeks post-op (around {date_next}).")),
    ("Type 2 diabetes", (
        "Glucose managed with Lantus and Humalog sliding scale.", "A1c 8.9%.",
        "Metformin held during admission given contrast and resumed at discharge.",
        "Diabetes educator met with the patient and {rel}.", "Fingersticks ranged 110-240.")),
    ("Urinary tract infection", (
        "Foley catheter was placed in the ED and removed on {date_short}; voiding spontaneously.",
        "Urine culture grew pan-sensitive E. coli.", "Completed 3 days of ceftriaxone.",
        "Bladder scans with PVR under 100 mL.")),
    ("COPD exacerbation", (
        "Treated with prednisone 40 mg x5 days, nebulizers, and azithromycin.",
        "Ambulatory SpO2 {spo2} on room air at discharge.", "Home O2 evaluation completed.",
        "Pulmonary follow-up arranged with {dr2}.")),
    ("Parkinson's disease", (
        "Carbidopa-levodopa continued on home schedule with doses given on time.",
        "Neurology ({dr2}) followed during the admission.", "Fall precautions maintained.",
        "Noted mild cogwheel rigidity, at baseline per {rel}.")),
    ("Acute ischemic stroke", (
        "MRI brain on {date_near} with a small left MCA infarct.", "NIHSS 3 on arrival.",
        "Started on aspirin and atorvastatin 80 mg.", "Holter monitor arranged through {hosp}.",
        "Speech therapy evaluated; cleared for a mechanical soft diet.")),
    ("Electrolyte abnormalities", (
        "K 3.1 on admission, repleted with KCl 40 mEq PO x2.", "Mg repleted IV.",
        "Na nadir 128, improved with fluid restriction.", "Discharge BMP: {labs}.")),
    ("Goals of care", (
        "A family meeting was held on {date_short} with {rel}, {dr}, and palliative care.",
        "{He} was made DNR/DNI, confirmed with health care proxy {rel} ({rel_phone}).",
        "MOLST completed and copy sent home with the patient.", "Hospice information was provided.")),
    ("Anticoagulation", (
        "INR was supratherapeutic at 4.2 on admission; Coumadin held and resumed at 2.5 mg on {date_short}.",
        "INR to be checked at the {hosp} anticoagulation clinic on {date_next}; fax results to {fax}.",
        "No signs of bleeding.")),
    ("Sacral pressure injury", (
        "Stage 2 sacral pressure injury noted on admission; wound care followed.",
        "Mepilex applied and turned q2h.", "Braden score 13.", "Nutrition consulted; started supplements.")),
    ("Pacemaker / device", (
        "{His} {device} was interrogated on {date_short} and functioning normally.",
        "EP ({dr2}) saw the patient; no changes to settings.")),
    ("Disposition", (
        "Case management arranged VNA services.", "Discharged to {hosp_other} for short-term rehab.",
        "Authorization obtained from insurance ({plan}).", "The patient's {rel} will provide transportation.",
        "PT/OT recommend home with 24-hour supervision.")),
    ("Crohn's disease", (
        "No evidence of flare; continued home Humira.", "GI ({dr2}) aware of the admission.",
        "CT on {date_adm} without abscess or obstruction.")),
    ("NSTEMI", (
        "Troponin peaked at 0.45; ECG with lateral ST depressions.", "Started on a heparin drip, aspirin and Plavix.",
        "Cardiac catheterization on {date_near} by {dr2_last} showed a 90% mid-LAD lesion, treated with a DES.",
        "Right radial access site without hematoma.", "Cardiac rehab referral placed.",
        "Discharged on aspirin 81 mg and Plavix 75 mg for at least 12 months.")),
    ("Alcohol withdrawal", (
        "Last drink reported {date_short}.", "Managed on CIWA protocol with Ativan; peak CIWA 18.",
        "Thiamine and folate given to prevent Wernicke encephalopathy.", "Social work met with the patient and "
        "provided resources.", "No withdrawal seizures.")),
    ("Cellulitis of the left lower extremity", (
        "Erythema demarcated on admission, receded with cefazolin.", "No abscess on ultrasound.",
        "Transitioned to Keflex 500 mg QID to complete 7 days.", "Tinea pedis treated with topical clotrimazole.")),
    ("Hepatic encephalopathy / cirrhosis", (
        "Precipitated by missed lactulose doses.", "Titrated lactulose to 3-4 BMs daily; rifaximin added.",
        "MELD 18.", "Diagnostic paracentesis on {date_short} negative for SBP.", "Hepatology ({dr2}) following; "
        "transplant evaluation at {hosp_other} to be discussed.")),
    ("Pulmonary embolism", (
        "CTA on {date_adm} with segmental PE without RV strain.", "Started on heparin drip, transitioned to Eliquis.",
        "LE Doppler with left popliteal DVT.", "Hypercoagulability workup deferred to outpatient.")),
    ("Syncope", (
        "Orthostatic on admission; improved with IV fluids.", "Telemetry without arrhythmia over 48 hours.",
        "Echo without significant valvular disease.", "Event monitor to be mailed to {addr}.")),
    ("Hypertension", (
        "Blood pressures ranged {bp} to {bp}.", "Home amlodipine continued; lisinopril held given AKI.",
        "Resume lisinopril at PCP follow-up if Cr stable.")),
)

_DISCHARGE_CONDITION = (
    "Condition at discharge: [stable|good|fair|improved].", "Mental status: clear and coherent.",
    "Level of consciousness: alert and interactive.", "Activity status: ambulatory with [walker|cane|assistance].",
    "Discharge vitals: T {temp}, BP {bp}, HR {hr}, RR {rr}, SpO2 {spo2} on {o2}.",
    "Diet: [regular|2 g sodium, 1.5 L fluid restriction|cardiac|diabetic|mechanical soft].",
)
_DISPOSITION = ("Disposition: Home with services.", "Discharged home with VNA.", "Discharged to {hosp_other}.",
                "Disposition: Extended care facility - {hosp_other}.", "Home with {rel}.",
                "Disposition: Home.", "Discharged to home with hospice.")
_FOLLOW_UP = (
    "Follow up with {pcp} within 1 week; call {clinic_phone} to schedule.",
    "Appointment with {dr2} ({spec}) on {date_next} at {time} at {hosp}.",
    "Labs: BMP on {date_next}, results to {pcp}, fax {fax}.", "{spec} clinic in 2-4 weeks.",
    "PCP: {pcp}, {clinic_phone}.", "Please call {clinic_phone} with questions.",
    "Follow-up imaging in 6 weeks.", "Your appointment: {date_next} with {dr2}, {hosp}.",
    "Patient portal: {url}", "Send records to {hosp_other}, fax {fax}.",
)
_INSTRUCTIONS = (
    "You were admitted for {cc}.", "Please weigh yourself every morning and call if your weight goes up by "
    "more than 3 pounds.", "Take all medications as prescribed.", "Return to the ED for chest pain, shortness "
    "of breath, fever over 101, or any concerning symptoms.", "Do not drive while taking oxycodone.",
    "It was a pleasure taking care of you.", "Avoid NSAIDs such as ibuprofen.",
    "Keep the incision clean and dry.", "No heavy lifting for 6 weeks.",
)
_SIGNATURE = (
    "{dr}\nAttending Physician", "Electronically signed by {dr} on {date_dc} at {time}.",
    "[Dictated by|Prepared by] {dr2} for {dr}.", "{dr}, {hosp} Hospitalist Service", "cc: {pcp}",
    "D: {date_dc} {time}  T: {date_dc} {time}", "Patient seen and examined on the day of discharge; >30 minutes "
    "spent on discharge planning. {dr}", "Attending attestation: I have reviewed the resident's note "
    "({dr2}) and agree.", "Job #: {accession}", "NPI: {npi}", "{dr} (pager {pager})",
)


def write_discharge_summary(w: Writer, target_chars: int) -> None:
    rng = w.rng
    w.say(_TITLES, end="\n")
    if not w.ctx.phi_free:
        fields = [rng.choice(options) for options in _HEADER_FIELDS if rng.random() < 0.65]
        rng.shuffle(fields)
        for template in fields:
            w.say(template, end=rng.choice(("\n", "\n", "   ")))
    w.heading(("Chief Complaint", "CC", "Reason for Admission", "Admitting Diagnosis"))
    w.say("{cc}")
    w.heading(("History of Present Illness", "HPI", "History"))
    w.some(_HPI, 3, 8)
    w.heading(("Past Medical History", "PMH", "Medical History"))
    w.some(["{cond}", "{cond} ({year_prior})", "{cond}, diagnosed {date_prior}", "s/p {proc}", "{cond}"], 3, 5,
           sep=rng.choice(("\n- ", ", ", "\n")))
    if rng.random() < 0.6:
        w.heading(("Social History", "SH", "Social Hx"))
        w.some(_SOCIAL, 2, 4)
    if rng.random() < 0.4:
        w.heading(("Family History", "FH"))
        w.some(_FAMILY, 1, 2)
    w.heading(("Allergies", "ALLERGIES"))
    w.say(("NKDA", "No known drug allergies", "Penicillin (rash)", "Sulfa - hives", "Codeine (nausea); "
           "iodinated contrast", "Lisinopril (angioedema)"))
    if rng.random() < 0.7:
        w.heading(("Physical Exam on Admission", "Physical Exam", "Exam", "Admission Exam"))
        w.say(("Vitals: T {temp} HR {hr} BP {bp} RR {rr} SpO2 {spo2} on {o2}.",
               "VS: {temp}, {hr}, {bp}, {rr}, {spo2} {o2}"), end="\n")
        w.some(["General: {exam_general}.", "HEENT: {exam_heent}.", "CV: {exam_cv}.", "Lungs: {exam_lung}.",
                "Abd: {exam_abd}.", "Neuro: {exam_neuro}; {exam_neuro}.", "Ext: {exam_ext}.", "Skin: {exam_skin}.",
                "{score}."], 4, 8, sep="\n")
    w.heading(("Pertinent Results", "Labs", "Admission Labs", "Data"))
    w.say(("Admission labs: {labs}.", "On admission: {labs}.", "{date_adm}: {labs}."), end="\n")
    w.say(("Discharge labs: {labs}.", "{date_dc}: {labs}.", "Micro: blood cultures {date_adm} no growth "
           "(specimen {specimen})."), end="\n")
    w.some(["CXR {date_adm}: [no acute process|small bilateral effusions|RLL opacity].",
            "CT head ({date_short}): no acute intracranial process.", "TTE {date_near}: EF {ef}.",
            "ECG: sinus rhythm, {hr} bpm, normal intervals.", "Imaging: see radiology reports."], 1, 3, sep="\n")
    w.heading(("Hospital Course", "Brief Hospital Course", "Hospital Course by Problem", "Summary of Hospital Stay"))
    w.some(_HPI[:2], 1, 1)
    problems = list(_COURSE)
    rng.shuffle(problems)
    numbered = rng.random() < 0.5
    for index, (title, sentences) in enumerate(problems):
        if index and len(w) > target_chars * 0.78:
            break
        w.text(f"\n\n{index + 1}. {title}: " if numbered else f"\n\n# {title}\n")
        w.some(sentences, 2, 6)
    w.heading(("Discharge Medications", "Medications on Discharge", "DISCHARGE MEDS"))
    for index in range(rng.randint(3, 12)):
        w.say("{med}", end="\n")
        if index == 0 and rng.random() < 0.3:
            w.say(("STOP taking {med}.", "CHANGE: {med}.", "NEW: {med}."), end="\n")
    w.heading(("Discharge Diagnoses", "Discharge Diagnosis", "Diagnoses"))
    w.some([title + rng.choice(("", "", " ({code})")) for title, _ in problems[:4]], 1, 3, sep="\n")
    w.heading(("Discharge Condition", "Condition at Discharge"))
    w.some(_DISCHARGE_CONDITION, 2, 4, sep="\n")
    w.heading(("Disposition",))
    w.say(_DISPOSITION)
    w.heading(("Follow-up", "Followup Instructions", "Follow Up Appointments"))
    w.some(_FOLLOW_UP, 1, 4, sep="\n")
    if rng.random() < 0.6:
        w.heading(("Discharge Instructions", "Patient Instructions"))
        w.some(_INSTRUCTIONS, 2, 5)
    w.text("\n\n")
    w.some(_SIGNATURE, 1, 3, sep="\n")
