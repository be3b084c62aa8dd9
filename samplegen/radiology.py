"""Radiology reports: exam header, history, comparison, technique, findings, impression, sign-off."""

from __future__ import annotations

from dataclasses import dataclass

from samplegen.context import Writer


@dataclass(frozen=True, slots=True)
class _Exam:
    names: tuple[str, ...]
    findings: tuple[str, ...]
    impressions: tuple[str, ...]


_EXAMS = (
    _Exam(("CHEST, 2 VIEWS", "XR CHEST PA/LAT", "CXR portable AP", "Chest radiograph, single view"),
          ("Heart size is normal.", "Cardiomegaly is stable.", "No focal consolidation.",
           "Small bilateral pleural effusions.", "Kerley B lines suggest interstitial edema.", "No pneumothorax.",
           "Right lower lobe opacity concerning for pneumonia.", "Left PICC tip in the SVC.",
           "Sternotomy wires intact.", "Degenerative changes of the thoracic spine.",
           "Elevated right hemidiaphragm.", "ET tube 4 cm above the carina.", "NG tube courses below the "
           "diaphragm.", "Swan-Ganz catheter tip in the right pulmonary artery.", "Pacemaker leads in stable "
           "position."),
          ("No acute cardiopulmonary process.", "Findings consistent with pneumonia; follow-up radiograph in "
           "6-8 weeks recommended.", "Mild interstitial edema.", "Small effusions, unchanged.",
           "Lines and tubes as above.")),
    _Exam(("CT HEAD WITHOUT CONTRAST", "CT head w/o contrast", "CT BRAIN NONCONTRAST"),
          ("No acute intracranial hemorrhage, mass effect, or midline shift.", "Chronic small vessel ischemic "
           "changes.", "Age-appropriate volume loss.", "Gray-white differentiation is preserved.",
           "Ventricles are normal in size.", "Old right cerebellar lacunar infarct.", "Mastoid air cells are "
           "clear.", "No calvarial fracture.", "Small left frontal scalp hematoma.", "Paranasal sinuses clear."),
          ("No acute intracranial abnormality.", "Chronic microvascular disease.", "Scalp hematoma without "
           "fracture.", "If symptoms persist, MRI is more sensitive for acute infarct.")),
    _Exam(("CT ABDOMEN AND PELVIS WITH CONTRAST", "CT A/P w/ IV contrast", "CT abd/pelvis"),
          ("Liver is unremarkable.", "Cholelithiasis without CT evidence of cholecystitis.", "Sigmoid "
           "diverticulosis without diverticulitis.", "Thickened terminal ileum consistent with known Crohn's "
           "disease.", "No free air or abscess.", "Kidneys enhance symmetrically.", "Small hiatal hernia.",
           "Atherosclerotic calcification of the aorta.", "Foley catheter in a decompressed bladder.",
           "Appendix is normal.", "Post-surgical changes of a Whipple procedure.", "Trace free fluid in the "
           "pelvis."),
          ("No acute abdominopelvic process.", "Terminal ileitis compatible with Crohn's disease flare.",
           "Uncomplicated sigmoid diverticulitis.", "Cholelithiasis.")),
    _Exam(("US ABDOMEN LIMITED (RUQ)", "RUQ ULTRASOUND", "Right upper quadrant sonogram"),
          ("Gallbladder is distended with stones and wall thickening to 5 mm.", "Sonographic Murphy's sign is "
           "positive.", "Sonographic Murphy's sign is negative.", "CBD measures 4 mm.", "No pericholecystic "
           "fluid.", "Liver is echogenic, consistent with steatosis.", "Main portal vein is patent with "
           "hepatopetal flow."),
          ("Acute cholecystitis.", "Cholelithiasis without sonographic evidence of cholecystitis.",
           "Hepatic steatosis.")),
    _Exam(("MRI BRAIN WITH AND WITHOUT CONTRAST", "MR brain w/wo", "MRI head stroke protocol"),
          ("Restricted diffusion in the left MCA territory consistent with acute infarct.", "No abnormal "
           "enhancement.", "Periventricular T2/FLAIR hyperintensities.", "No evidence of Wernicke "
           "encephalopathy.", "Normal flow voids.", "Pituitary is unremarkable.", "No Chiari malformation.",
           "Mild diffuse parenchymal volume loss."),
          ("Acute left MCA infarct.", "No acute intracranial abnormality.", "Moderate chronic small vessel "
           "disease.")),
    _Exam(("CTA CHEST (PE PROTOCOL)", "CT angiogram chest", "CT pulmonary angiogram"),
          ("No filling defect to suggest pulmonary embolism.", "Segmental filling defects in the right lower "
           "lobe.", "RV/LV ratio 0.9.", "Emphysematous changes.", "4 mm right upper lobe nodule.",
           "Mediastinal lymph nodes are not enlarged.", "Small right pleural effusion."),
          ("Acute pulmonary embolism without right heart strain.", "No pulmonary embolism.", "Incidental 4 mm "
           "nodule; per Fleischner criteria no follow-up needed.")),
    _Exam(("VENOUS DUPLEX, LEFT LOWER EXTREMITY", "LE venous Doppler bilateral", "Lower extremity venous US"),
          ("Normal compressibility of the common femoral, femoral, and popliteal veins.", "Occlusive thrombus "
           "in the left popliteal vein.", "Baker's cyst measuring 3 cm.", "Normal phasic flow.",
           "Calf veins not well visualized."),
          ("Left popliteal DVT.", "No DVT.", "Baker's cyst.")),
    _Exam(("XR HIP 2 VIEWS LEFT", "Pelvis and left hip radiographs", "XR pelvis AP"),
          ("Acute displaced left femoral neck fracture.", "No dislocation.", "Osteopenia.", "Degenerative "
           "changes of both hips.", "Intact left hip arthroplasty.", "Sacroiliac joints are unremarkable."),
          ("Left femoral neck fracture.", "No acute fracture.", "Osteoarthritis.")),
    _Exam(("MRI LUMBAR SPINE WITHOUT CONTRAST", "MR L-spine"),
          ("L4-L5 broad-based disc bulge with moderate canal stenosis.", "L5-S1 right paracentral protrusion "
           "contacting the right S1 nerve root.", "Conus terminates at L1.", "No marrow edema.",
           "Facet arthropathy at L3-L4 through L5-S1."),
          ("Multilevel degenerative changes, worst at L4-L5.", "Right S1 nerve root impingement.")),
    _Exam(("BILATERAL DIAGNOSTIC MAMMOGRAM", "Screening mammogram"),
          ("Breasts are heterogeneously dense.", "No suspicious mass, calcification, or architectural "
           "distortion.", "Stable benign-appearing calcifications in the left breast."),
          ("BI-RADS 1: negative.", "BI-RADS 2: benign.", "BI-RADS 0: additional imaging needed.")),
    _Exam(("TRANSTHORACIC ECHOCARDIOGRAM", "TTE complete"),
          ("LVEF estimated at {ef}.", "Moderate mitral regurgitation.", "No pericardial effusion.",
           "Mild left ventricular hypertrophy.", "RV size and function normal.", "Estimated RVSP 38 mmHg."),
          ("Reduced LV systolic function.", "Normal biventricular function.")),
)

_GENERAL_FINDINGS = (
    "Osseous structures are intact.", "Visualized soft tissues are unremarkable.", "Limited by motion artifact.",
    "Lines and tubes are unchanged in position.", "No suspicious osseous lesion.", "Clinical correlation is "
    "recommended.", "Partially imaged thyroid is unremarkable.", "Surgical clips in the right upper quadrant.",
    "Vascular calcifications.", "Mild degenerative changes.", "No acute fracture.", "Postsurgical changes as "
    "before.", "The study was reviewed with {dr} at {time}.", "Compared with the prior exam of {date_prior}, "
    "there is no significant change.", "Exam performed at {hosp}.", "Patient positioning limits evaluation.",
    "Findings are stable from {date_short}.", "Outside images from {hosp_other} were reviewed.",
)
_HISTORY = (
    "{age_short} {sex} with {cc}.", "{cc}, r/o pneumonia.", "Fall, eval for fracture.", "{cond}, {cc}.",
    "{A_age} {man} with {cc} {duration}.", "AMS.", "Hx {cond}, now {cc}.", "Post-op check.", "Screening.",
    "Eval for PE. Wells score 4.", "{cc}; hx {cond}.", "Trauma - MVC.", "Follow-up of nodule seen {date_prior}.",
)
_COMPARISON = ("None.", "{date_prior}.", "CT from {hosp_other} dated {date_prior}.", "Prior study of {date_prior}.",
               "None available.", "Radiograph {date_short}.", "Multiple priors, most recent {date_prior}.")
_TECHNIQUE = ("Axial images were obtained without contrast.", "PA and lateral views.", "Standard protocol.",
              "Imaging performed after IV administration of 100 mL Omnipaque 350.", "Grayscale and Doppler "
              "images were obtained.", "Single portable AP view at {time}.", "Multiplanar multisequence "
              "imaging.", "DLP 820 mGy-cm. Dose reduction techniques were used.")
_COMMUNICATION = (
    "Findings were discussed with {dr} by telephone at {time} on {date}.",
    "Critical result communicated to {dr} via phone at {time}, read back confirmed.",
    "Discussed with the ordering provider, {dr}, on {date_full} at {time}.",
    "These findings were called to {rn} on the floor at {time}.",
    "Preliminary read by resident {dr2}; agree with findings.",
)
_SIGNATURE = ("Dictated by: {dr2}", "Electronically signed by: {dr2} on {date} {time}", "Radiologist: {dr2}",
              "Read by {dr2}; attending {dr}", "Signed: {dr2} {date}", "{dr2}\n{hosp} Department of Radiology",
              "Transcribed {date} {time}, job {accession}")


def write_radiology_report(w: Writer, target_chars: int) -> None:
    rng = w.rng
    if rng.random() < 0.25:
        w.case = str.upper
    exam = rng.choice(_EXAMS)
    w.text(rng.choice(("EXAM: ", "Exam: ", "PROCEDURE: ", "", "Study: ")))
    w.say(exam.names, end="\n")
    header = [("DATE: {date_full}", "Date of exam: {date}", "Exam date: {date} {time}", "DOS: {date}"),
              ("ACCESSION: {accession}", "Accession #: {accession}", "Acc No. {accession}"),
              ("PATIENT: {pt_formal}", "Name: {pt_formal}"), ("MRN: {mrn}", "MR#: {mrn}"),
              ("DOB: {date_dob}", "Age: {age_num}"), ("ORDERING: {dr}", "Ordering physician: {dr}",
                                                       "Referring: {pcp}"),
              ("LOCATION: {hosp}", "Facility: {hosp}", "Performed at {hosp}")]
    for options in header:
        if rng.random() < 0.5:
            w.say(options, end="\n")
    w.heading(("CLINICAL HISTORY", "INDICATION", "History", "Reason for exam"), gap="\n")
    w.say(_HISTORY)
    w.heading(("COMPARISON", "Comparison", "PRIOR"), gap="\n")
    w.say(_COMPARISON)
    if rng.random() < 0.6:
        w.heading(("TECHNIQUE", "Technique"), gap="\n")
        w.say(_TECHNIQUE)
    w.heading(("FINDINGS", "Findings"), gap="\n")
    w.some(exam.findings, 2, 6, sep=rng.choice((" ", "\n")))
    w.text(" ")
    w.fill(_GENERAL_FINDINGS, int(target_chars * 0.8))
    w.heading(("IMPRESSION", "Impression", "CONCLUSION"), gap="\n")
    if rng.random() < 0.5:
        w.some(exam.impressions, 1, 3, sep="\n")
    else:
        for index, impression in enumerate(rng.sample(exam.impressions, rng.randint(1, 2))):
            w.text(f"{index + 1}. ")
            w.say(impression, end="\n")
    if rng.random() < 0.35:
        w.say(_COMMUNICATION, end="\n")
    if rng.random() < 0.7:
        w.text("\n")
        w.say(_SIGNATURE)
