"""Nursing notes (terse, abbreviated, often ALL CAPS) and radiology reports."""

from __future__ import annotations

from medflow.samplegen_context import Writer

_ONE_LINERS = (
    "Pt resting comfortably, no complaints.", "Pt sleeping, easily arousable. Will monitor.",
    "Called pt, left VM to call back.", "Medicated for pain x1 with relief.", "No acute events overnight.",
    "Pt refused AM labs, MD aware.", "Tolerating diet, ambulating in hall.", "VSS, afebrile, NAD.",
    "Pt OOB to chair with assist x1.", "Foley draining clear yellow urine.", "Pt up to BR, steady gait.",
    "IV infiltrated, removed, new PIV placed L FA.", "Dressing C/D/I.", "Family updated at bedside.",
    "Pt with {n} loose stools, C diff sent.", "Fall precautions in place, bed alarm on.",
    "Pt to CT at {time}.", "Bladder scan {n}00 mL, straight cathed.", "Pain {pain} after Tylenol.",
    "{pt_title} resting in bed, call light within reach.", "Dr. on call notified of BP {bp}.",
    "Pt pulled out IV at {time}, replaced.", "Pt given {frac} tab of oxycodone per order.",
    "{pt_title} discharged home with {rel} at {time}.", "Spoke w/ {rel}, updated on plan.",
    "Transferred to ICU at {time}, report given to {rn}.", "Pt ate {frac} of breakfast.",
)

_SYSTEMS = (
    ("NEURO", ("A&Ox3, follows commands.", "A&Ox1, reorients easily.", "Confused overnight, pulling at lines.",
               "PERRLA.", "MAE x4.", "{score}.", "Denies numbness/tingling.", "Sleeping between cares.",
               "Moving all extremities, strength {frac} LUE.", "CIWA {n}.", "Hx Parkinson's, tremor at baseline.")),
    ("CV", ("HR {hr} NSR on tele.", "BP {bp}, HR {hr}.", "A-fib rate 90s-110s.", "+2 pedal pulses.",
            "1+ edema BLE.", "Metoprolol held for SBP<100, MD aware.", "Telemetry: SR with occasional PVCs.",
            "Cap refill <3 sec.")),
    ("RESP", ("LS clear bilat.", "LS diminished at bases.", "O2 {o2}, sat {spo2}.", "RR {rr}, even and unlabored.",
              "Weaned to RA, sats {spo2}.", "IS x10 q1h while awake.", "Coarse crackles RLL, CPT done.",
              "Nonproductive cough.")),
    ("GI", ("Abd soft, NT, +BS.", "Tolerating cardiac diet.", "LBM {date_short}.", "NPO after MN for procedure.",
            "Nausea, given Zofran {dose} IV with relief.", "BM x{n} this shift.", "Ate {frac} of dinner.",
            "Colace and senna given.")),
    ("GU", ("Foley in place draining clear yellow urine.", "Voiding via urinal.", "UOP {n}00 mL this shift.",
            "I/O {n}00/{n}50.", "Foley removed {time}, DTV by {time}.", "Incontinent x2, peri care given.")),
    ("SKIN", ("Intact.", "Stage 2 sacral wound, Mepilex intact.", "Turned q2h.", "Braden 1{n}.",
              "Heels offloaded.", "Bruising to bilat forearms.", "JP drain with {n}0 mL serosang output.")),
    ("PAIN", ("{pain} to L hip, medicated with Tylenol {dose} PO.", "Denies pain.", "{pain}, oxycodone {dose} "
              "given at {time}, reassessed {pain}.", "Pain well controlled.")),
    ("LINES", ("PIV R AC 20g, saline locked.", "PICC L arm, flushed.", "Port-a-Cath accessed.",
               "Foley catheter day {n}.")),
    ("LABS", ("{labs}.", "{lab}, repleted with KCl 40 mEq PO.", "AM labs pending.", "{lab}, MD aware.")),
    ("SOCIAL", ("{rel} at bedside.", "{rel} called for update, # {rel_phone}.", "Pt's {rel} visited this evening.",
                "No visitors this shift.", "Daughter asking for a call back from MD.")),
    ("PLAN", ("Continue to monitor.", "Plan for d/c home tomorrow.", "Awaiting rehab bed at {hosp_other}.",
              "PT eval in AM.", "Will cont POC.", "Possible d/c {date_short}.", "f/u AM labs.",
              "Pending echo.")),
)

_EVENTS = (
    "{time} Pt found OOB, no fall, bed alarm reset.", "{time} c/o chest pain {pain}, EKG done, {dr} notified.",
    "{time} BP {bp}, HR {hr}, given metoprolol {dose} IV per order.", "{time} Pt agitated, redirected.",
    "{time} Medicated w/ Tylenol {dose} for temp {temp}.", "{time} Rapid response called for sat {spo2}.",
    "{time} {dr} at bedside.", "{time} Pt to MRI.", "{time} Returned from IR, groin site soft.",
    "{time} Blood cx x2 sent.", "{time} 1 unit PRBC started.", "{time} Transfusion complete, no reaction.",
    "{time} {rel} called, updated.", "{time} K {n}.{n}, repleted.", "{time} Pt vomited x1, Zofran given.",
    "{time} Voided {n}00 mL.", "{time} Pt refused heparin SC, educated.", "{time} Haldol 0.5 mg IV given per "
    "{dr}.", "{time} Sitter at bedside.", "{time} Pt resting quietly.",
    "On {date_short} pt had episode of hypoglycemia, BG 54, treated with juice.",
    "Dressing changed {date_short}, next change due {date_short}.", "Received pt at {time} from ED.",
    "Pt on 1:1 since {time}.", "Reviewed discharge instructions with pt and {rel}.",
)

_SIGNOFF = ("- {rn_initials} RN", "{rn}", "-{rn_initials}", "{rn_initials}/RN", "Signed: {rn}",
            "Report given to {rn}.", "{rn}, {time}")


def write_nursing_note(w: Writer, target_chars: int) -> None:
    rng = w.rng
    if rng.random() < 0.55:
        w.case = str.upper
    if target_chars < 90:
        w.say(_ONE_LINERS)
        return
    style = rng.randrange(4)
    if rng.random() < 0.5:
        w.say(("Nursing Note", "RN Shift Note {time}-{time}", "Nsg Progress Note {date_short}", "NURSING",
               "Shift Assessment", "RN NOTE {date_short} {time}", "Nursing Progress Note - 7A-7P",
               "Nursing Note - {room}"), end="\n")
    if style == 0:  # systems review
        systems = list(_SYSTEMS)
        if rng.random() < 0.5:
            rng.shuffle(systems)
        for name, sentences in systems:
            if len(w) > target_chars:
                break
            w.text(f"{name}: ")
            w.some(sentences, 1, 3, end=rng.choice(("\n", " ")))
    elif style == 1:  # time-stamped events
        w.some(_ONE_LINERS, 1, 2, end="\n")
        w.fill(_EVENTS, target_chars, sep="\n")
        w.text("\n")
    elif style == 2:  # DAR
        for part, sentences in (("D", _ONE_LINERS), ("A", _EVENTS), ("R", _ONE_LINERS)):
            w.text(f"{part}: ")
            w.some(sentences, 1, 3, end="\n")
    else:  # narrative
        w.fill([sentence for _, sentences in _SYSTEMS for sentence in sentences] + list(_EVENTS), target_chars)
        w.text(" ")
    if rng.random() < 0.6:
        w.say(_SIGNOFF)


_MODALITIES = (
    ("CHEST, 2 VIEWS", "XR CHEST PA/LAT", "CXR portable AP"),
    ("CT HEAD WITHOUT CONTRAST", "CT head w/o contrast", "CT BRAIN NONCONTRAST"),
    ("CT ABDOMEN AND PELVIS WITH CONTRAST", "CT A/P w/ IV contrast"),
    ("US ABDOMEN LIMITED (RUQ)", "RUQ ULTRASOUND"),
    ("MRI BRAIN WITH AND WITHOUT CONTRAST", "MR brain w/wo"),
    ("CTA CHEST (PE PROTOCOL)", "CT angiogram chest"),
    ("VENOUS DUPLEX, LEFT LOWER EXTREMITY", "LE venous Doppler bilateral"),
    ("XR HIP 2 VIEWS LEFT", "Pelvis and left hip radiographs"),
)
_FINDINGS = (
    ("Heart size is normal.", "Cardiomegaly is stable.", "No focal consolidation.", "Small bilateral pleural "
     "effusions.", "Kerley B lines suggest interstitial edema.", "No pneumothorax.", "Right lower lobe opacity "
     "concerning for pneumonia.", "Left PICC tip in the SVC.", "Sternotomy wires intact.",
     "Degenerative changes of the thoracic spine.", "Elevated right hemidiaphragm."),
    ("No acute intracranial hemorrhage, mass effect, or midline shift.", "Chronic small vessel ischemic changes.",
     "Age-appropriate volume loss.", "Gray-white differentiation is preserved.", "Ventricles are normal in size.",
     "Old right cerebellar lacunar infarct.", "Mastoid air cells are clear.", "No calvarial fracture."),
    ("Liver is unremarkable.", "Cholelithiasis without CT evidence of cholecystitis.", "Sigmoid diverticulosis "
     "without diverticulitis.", "Thickened terminal ileum consistent with known Crohn's disease.",
     "No free air or abscess.", "Kidneys enhance symmetrically.", "Small hiatal hernia.",
     "Atherosclerotic calcification of the aorta.", "Foley catheter in a decompressed bladder."),
    ("Gallbladder is distended with stones and wall thickening to 5 mm.", "Sonographic Murphy's sign is "
     "positive.", "Sonographic Murphy's sign is negative.", "CBD measures 4 mm.", "No pericholecystic fluid.",
     "Liver is echogenic, consistent with steatosis."),
    ("Restricted diffusion in the left MCA territory consistent with acute infarct.", "No abnormal enhancement.",
     "Periventricular T2/FLAIR hyperintensities.", "No evidence of Wernicke encephalopathy.",
     "Normal flow voids.", "Pituitary is unremarkable.", "Chiari I malformation is not present."),
    ("No filling defect to suggest pulmonary embolism.", "Segmental filling defects in the right lower lobe.",
     "RV/LV ratio 0.9.", "Emphysematous changes.", "4 mm right upper lobe nodule.", "Mediastinal lymph nodes "
     "are not enlarged."),
    ("Normal compressibility of the common femoral, femoral, and popliteal veins.", "Occlusive thrombus in the "
     "left popliteal vein.", "Baker's cyst measuring 3 cm.", "Normal phasic flow."),
    ("Acute displaced left femoral neck fracture.", "No dislocation.", "Osteopenia.", "Degenerative changes of "
     "both hips.", "Intact left hip arthroplasty."),
)
_GENERAL_FINDINGS = (
    "Osseous structures are intact.", "Visualized soft tissues are unremarkable.", "Limited by motion artifact.",
    "Lines and tubes are unchanged in position.", "No suspicious osseous lesion.", "Clinical correlation is "
    "recommended.", "Partially imaged thyroid is unremarkable.", "Surgical clips in the right upper quadrant.",
    "Vascular calcifications.", "Mild degenerative changes.", "No acute fracture.", "Postsurgical changes as "
    "before.", "Foley catheter in place.", "The study was reviewed with {dr} at {time}.",
    "Compared with the prior exam of {date_prior}, there is no significant change.",
    "Exam performed at {hosp}.", "Patient positioning limits evaluation.", "Findings are stable from "
    "{date_short}.",
)
_IMPRESSIONS = (
    "No acute cardiopulmonary process.", "Findings consistent with pneumonia; follow-up in 6-8 weeks recommended.",
    "No acute intracranial abnormality.", "Acute cholecystitis.", "Acute left MCA infarct.",
    "Acute pulmonary embolism without right heart strain.", "Left popliteal DVT.", "Left femoral neck fracture.",
    "Stable exam.", "Mild interstitial edema.", "Incidental 4 mm nodule; per Fleischner criteria no follow-up "
    "needed.", "Findings as above.",
)
_HISTORY = (
    "{age_short} {sex} with {cc}.", "{cc}, r/o pneumonia.", "Fall, eval for fracture.", "{cond}, {cc}.",
    "{a_age} {man} with {cc} {duration}.", "AMS.", "Hx {cond}, now {cc}.", "Post-op check.",
)
_COMMUNICATION = (
    "Findings were discussed with {dr} by telephone at {time} on {date}.",
    "Critical result communicated to {dr} via phone at {time}, read back confirmed.",
    "Discussed with the ordering provider, {dr}, on {date_full} at {time}.",
    "These findings were called to {rn} on the floor at {time}.",
)


def write_radiology_report(w: Writer, target_chars: int) -> None:
    rng = w.rng
    if rng.random() < 0.25:
        w.case = str.upper
    exam = rng.randrange(len(_MODALITIES))
    w.text(rng.choice(("EXAM: ", "Exam: ", "PROCEDURE: ", "")))
    w.say(_MODALITIES[exam], end="\n")
    header = [("DATE: {date_full}", "Date of exam: {date}", "Exam date: {date} {time}"),
              ("ACCESSION: {accession}", "Accession #: {accession}", "Acc No. {accession}"),
              ("PATIENT: {pt_formal}", "Name: {pt_formal}"), ("MRN: {mrn}", "MR#: {mrn}"),
              ("DOB: {date_dob}",), ("ORDERING: {dr}", "Ordering physician: {dr}", "Referring: {pcp}"),
              ("LOCATION: {hosp}", "Facility: {hosp}", "Performed at {hosp}")]
    for options in header:
        if rng.random() < 0.5:
            w.say(options, end="\n")
    w.heading(("CLINICAL HISTORY", "INDICATION", "History", "Reason for exam"), gap="\n")
    w.say(_HISTORY)
    w.heading(("COMPARISON", "Comparison", "PRIOR"), gap="\n")
    w.say(("None.", "{date_prior}.", "CT from {hosp_other} dated {date_prior}.", "Prior study of {date_prior}.",
           "None available.", "Radiograph {date_short}."))
    if rng.random() < 0.6:
        w.heading(("TECHNIQUE", "Technique"), gap="\n")
        w.say(("Axial images were obtained without contrast.", "PA and lateral views.", "Standard protocol.",
               "Imaging performed after IV administration of 100 mL Omnipaque 350.", "Grayscale and Doppler "
               "images were obtained.", "Single portable AP view at {time}."))
    w.heading(("FINDINGS", "Findings"), gap="\n")
    w.some(_FINDINGS[exam], 2, 6, sep=rng.choice((" ", "\n")))
    w.text(" ")
    w.fill(_GENERAL_FINDINGS, int(target_chars * 0.8))
    w.heading(("IMPRESSION", "Impression", "CONCLUSION"), gap="\n")
    numbered = rng.random() < 0.5
    for index in range(rng.randint(1, 3)):
        if numbered:
            w.text(f"{index + 1}. ")
        w.say(_IMPRESSIONS, end="\n")
    if rng.random() < 0.35:
        w.say(_COMMUNICATION, end="\n")
    if rng.random() < 0.7:
        w.say(("Dictated by: {dr2}", "Electronically signed by: {dr2} on {date} {time}", "Radiologist: {dr2}",
               "Read by {dr2}; attending {dr}", "Signed: {dr2} {date}"))
