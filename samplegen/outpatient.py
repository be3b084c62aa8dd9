"""Clinic / progress notes and patient portal messages."""

from __future__ import annotations

from samplegen.context import Writer
from samplegen.text import make_typo_transform

_CLINIC_TITLES = ("Progress Note", "Clinic Note", "OFFICE VISIT", "{spec} Clinic Follow-up", "Primary Care Visit",
                  "Annual Physical", "Post-Discharge Follow-up", "Urgent Visit",
                  "Outpatient Progress Note - {spec}", "Telehealth Visit")
_CLINIC_HEADER = (
    ("Patient: {pt_formal}", "Pt name: {pt_formal}", "{pt_formal}"), ("DOB: {date_dob}", "DOB {date_dob}"),
    ("MRN: {mrn}", "MRN {mrn}"), ("Date of service: {date}", "Visit date: {date}", "DOS: {date}"),
    ("Provider: {dr}", "Seen by: {pcp}", "Clinician: {dr}"), ("Location: {hosp}", "Clinic: {hosp}"),
    ("Insurance: {plan}", "Coverage: {plan}"),
)
_SUBJECTIVE = (
    "{pt} is {a_age} {man} here for follow-up of {cond} and {cond}.",
    "{A_age} {sex} presents for [hospital follow-up|routine follow-up|a new problem|medication review].",
    "Seen at {hosp_other} ED on {date_prior} for {cc}; since then {he} has been [improving|about the same|worse].",
    "Accompanied by {rel}, who helps with medications.", "{He} reports {cc} {duration}.",
    "No chest pain, dyspnea, or orthopnea.", "Taking {med} as prescribed.",
    "Stopped {med} due to side effects.", "Sleeping poorly; {score}.",
    "[Home BPs|Home blood pressures] running {bp} to {bp}.", "Fingersticks in the 150s fasting.",
    "Interval history: admitted to {hosp} {date_prior} to {date_prior} for {cond}.",
    "Patient was in an MVC on {date_prior} as the driver of a {vehicle}; seen at {hosp_other}.",
    "Last colonoscopy {year_prior}, normal.", "Mammogram due.", "Uses a {device}.",
    "{He} has been going to PT twice weekly.", "Wife reports snoring and witnessed apneas.",
    "Symptoms started [3 days|a week|2 months|yesterday] ago after [lifting|a viral illness|a fall].",
    "Feels [great|tired|a little better|much better] overall.", "{His} {rel} passed away in {date_prior}.",
    "{He} is planning to travel to {state} in {date_next}.",
)
_OBJECTIVE = (
    "BP {bp}, HR {hr}, T {temp}, SpO2 {spo2}, Wt [72|88|104|61] kg.", "Vitals: BP {bp} | P {hr} | RR {rr}.",
    "Gen: NAD.", "{exam}.", "{exam}; {exam}.", "Heart: {exam_cv}.", "Lungs: {exam_lung}.", "Ext: {exam_ext}.",
    "Recent labs ({date_prior}): {labs}.", "Labs today: {labs}.", "{score}.", "PHQ-2 negative.",
    "ECG in clinic: NSR {hr}.", "Monofilament intact bilaterally.",
)
_ASSESSMENT = (
    "{cond} - [stable|improving|not at goal|worsening].", "{cond} ({code}): [stable|improving].",
    "Continue {med}.", "Increase {med}.",
    "Start {med}.", "Hold {med} until labs are rechecked.", "Refer to {spec} ({dr2}).",
    "Referral placed to {hosp_other}.", "Check {lab} in 2 weeks.", "RTC [3 months|6 weeks|1 year|2 weeks].",
    "Follow up with {dr2} on {date_next}.", "Counseled on diet and exercise.", "Flu vaccine given today.",
    "Discussed advance directives; HCP is {rel}.", "Prior auth submitted to {plan}.",
    "Records requested from {hosp_other}, fax {fax}.", "Patient to call {clinic_phone} if symptoms worsen.",
    "Rx sent to pharmacy. Prescriber DEA {dea}.", "Disability paperwork completed; SSN {ssn} verified.",
    "Handicap placard form completed (DL# {dl}).", "Patient to upload home readings via {url}.",
    "Med list reconciled.", "Labs ordered, draw at {hosp}.", "Total time 30 min, >50% counseling.",
    "Letter for employer provided.", "Return precautions reviewed.", "Obtain {proc} prior to next visit.",
)
_TELEPHONE = (
    "Spoke with {pt_title} by phone at {phone}.", "Returned call to {rel} at {rel_phone}.",
    "Left message on voicemail at {phone} to call back.", "Pt called requesting refill of {med}.",
    "Pharmacy called re: prior auth for {med}.", "Message from {rel}: patient fell this morning, no injury.",
    "Advised to go to the ED if symptoms worsen.", "Verified identity with DOB {date_dob}.",
    "Appointment scheduled for {date_next} at {time} with {dr}.", "Pt states new address is {addr}.",
    "Updated phone number: {phone}.", "Email on file {email} confirmed.", "Will route to {dr}.",
    "Billing question re: account {acct}, transferred to billing.", "New insurance: {plan}.",
)
_CONSULT_OPENING = (
    "Thank you for asking us to see {pt_title}, {a_age} {man} with {cond}, for {cc}.",
    "Reason for consult: {cc}. Requesting physician: {dr}.", "We were asked by {dr} to evaluate {cc}.",
    "{spec} consult requested by {dr_last} for {cc} in the setting of {cond}.",
    "Patient seen and examined at the bedside in {room} with {rel} present.",
)
_CONSULT_RECS = (
    "Recommend {med}.", "Would check {lab} in the morning.", "No indication for {proc} at this time.",
    "Agree with current management.", "Will follow along; please page with questions.",
    "Discussed with {dr_last}, who agrees with the plan.", "Recommend outpatient follow-up in {spec} clinic "
    "with {dr2} in 2-4 weeks.", "Appreciate the consult.", "Obtain {proc} if symptoms recur.",
    "Low threshold to repeat imaging.", "Recommendations communicated to the primary team at {time}.",
    "Rule out Cushing syndrome with a 1 mg dexamethasone suppression test.",
)
_ED_COURSE = (
    "Pt arrived by EMS from {city} at {time}.", "Triage vitals: BP {bp}, HR {hr}, T {temp}, SpO2 {spo2}.",
    "Given {med} with improvement.", "Labs: {labs}.", "CT {date} reviewed; see radiology.",
    "Signed out to {dr2} at {time}.", "Dispo: admit to {service} under {dr}.", "Discharged home with {rel}.",
    "Glasgow Coma Scale 15 on arrival.", "Patient is a poor historian; collateral from {rel} ({rel_phone}).",
    "Brought in by police after MVC; driver of {vehicle}.", "Pt states {he} lives at {street} in {city}.",
    "Poison control contacted, case # {specimen}.", "Tetanus up to date per patient.",
    "Differential includes {cond} versus {cond}.", "Patient ambulated without difficulty prior to discharge.",
)
_SIGN = ("{dr}", "Signed by {dr} on {date} at {time}",
         "I saw and examined the patient with the resident, {dr2}, and agree with the plan as documented. {dr}",
         "Seen and discussed with {dr_last}.", "Scribed for {dr} by {rn}.", "{dr}\nPager {pager}\n{date}",
         "{dr}\n{hosp}", "Electronically signed: {pcp} {date}",
         "-- {dr}", "{rn}", "Medical license {medlic}")


def _clinic_header(w: Writer, titles: tuple[str, ...]) -> None:
    w.say(titles, end="\n")
    if not w.ctx.phi_free:
        for options in _CLINIC_HEADER:
            if w.rng.random() < 0.45:
                w.say(options, end=w.rng.choice(("\n", "  ")))


def write_clinic_note(w: Writer, target_chars: int) -> None:
    rng = w.rng
    style = rng.random()
    if target_chars < 400 or style < 0.15:
        _clinic_header(w, ("Telephone Encounter", "Phone Note", "Telephone Call", "Nurse Triage Call",
                           "Patient Call"))
        w.some(_TELEPHONE, 2, 5)
    elif style < 0.3:
        _clinic_header(w, ("Consult Note", "{spec} Consultation", "Inpatient Consult - {spec}", "CONSULT"))
        w.heading(("Reason for Consultation", "Reason for Consult", "Consult Question"))
        w.say(_CONSULT_OPENING)
        w.heading(("History", "HPI"))
        w.some(_SUBJECTIVE, 2, 5)
        w.heading(("Exam", "Physical Exam"))
        w.some(_OBJECTIVE, 2, 5, sep="\n")
        w.heading(("Recommendations", "Recs", "Impression and Recommendations"))
        w.some(_CONSULT_RECS, 2, 6, sep=rng.choice(("\n", "\n- ", " ")))
    elif style < 0.42:
        _clinic_header(w, ("ED Provider Note", "Emergency Department Note", "ED Physician Documentation"))
        w.heading(("HPI", "Chief Complaint/HPI", "History"))
        w.say(("{A_age} {man} presenting with {cc} {duration}.", "{cc} x {n} days."))
        w.heading(("ED Course", "Course", "MDM"))
        w.some(_ED_COURSE, 3, 8, sep=rng.choice((" ", "\n")))
    elif style < 0.7:
        _clinic_header(w, _CLINIC_TITLES)
        for names, pool in ((("S", "Subjective", "HPI"), _SUBJECTIVE), (("O", "Objective", "Exam"), _OBJECTIVE),
                            (("A/P", "Assessment and Plan", "Plan", "Impression/Plan"), _ASSESSMENT)):
            w.heading(names)
            w.some(pool, 2, 6, sep=rng.choice((" ", "\n")))
    else:
        _clinic_header(w, _CLINIC_TITLES)
        w.heading(("History of Present Illness", "HPI", "Interval History"))
        w.some(_SUBJECTIVE, 3, 8)
        w.heading(("Medications", "Current Medications"))
        w.some(["{med}"] * 6, 2, 6, sep="\n")
        w.heading(("Exam", "Physical Examination", "PE"))
        w.some(_OBJECTIVE, 3, 7, sep="\n")
        w.heading(("Assessment and Plan", "Assessment/Plan", "A&P"))
        w.some(_ASSESSMENT, 3, 7, sep="\n")
    if len(w) < target_chars:
        w.heading(("Additional Notes", "Addendum", "Plan (continued)", "Other Issues"))
        w.fill(_ASSESSMENT + _SUBJECTIVE, target_chars, sep=rng.choice((" ", "\n")))
    if rng.random() < 0.7:
        w.text("\n\n")
        w.say(_SIGN)


# Patient messages are mostly lower-cased as a whole and carry typos (informal writing); staff replies are not.
_PATIENT_GREETINGS = ("hi {pcp},", "hello,", "hi doctor,", "good morning", "hi there", "hey {pcp}",
                      "dear {dr},", "to whom it may concern,", "hello {pcp} and team,", "hi {pt_first} here,",
                      "{dr_last},", "hi nurse {rn}", "Hello")
_PATIENT_BODY = (
    "i have been having {cc} {duration} and wanted to know if i should come in.",
    "can i get a refill of my {med_name}? the pharmacy said i have no refills left.",
    "my new phone number is {phone}.", "i moved, my new address is {addr}.",
    "my insurance changed to {plan}, can you update it?", "my bp this morning was {bp}, is that ok?",
    "i got my lab results on the portal, what does {lab} mean?", "the medicine makes me dizzy.",
    "i need a note for work for missing {date_short} and {date_short}.",
    "can we move my appointment on {date_next}? i can't make it.",
    "my {rel} is going to bring me to the appointment.", "i had a fall last night but i'm ok.",
    "please call me at {phone} or email {email}.", "is it ok to take tylenol with my {med_name}?",
    "my sugar was 250 after dinner.", "i'm feeling much better, thank you for everything.",
    "the wound from surgery is red and warm around the edges.", "i've been coughing for {duration} now.",
    "do i still need to take the {portion} pill at night?", "my {device} has been beeping.",
    "i was at {hosp_other} on {date_prior} and they said to follow up with you.",
    "can you fax the form to my employer at {fax}?", "i forgot, am i supposed to fast for the bloodwork?",
    "my mom is {other_age} and she wants to know if she needs the shingles shot too.",
    "the link {url} doesn't work for me.", "i'm {age_short} and never had a colonoscopy, do i need one?",
    "my account number is {acct}, i got a bill i don't understand.",
    "the {med_name} is making me really tired, can i stop it?", "my feet are swelling again since {date_short}.",
    "{pcp} said to message about my blood sugars. fasting this week: 140, 152, 133.",
    "my {rel} has a fever, can she come with me to my appt or should she stay home?",
    "i will be out of town until {date_next}, can we do a video visit instead?",
    "i lost my insurance card, my member id is {plan_id}.", "who do i call about my bill? (acct {acct})",
    "my glucose meter (serial {device_sn}) keeps showing error 4.", "i need my records sent to {hosp_other}.",
    "hope you are well. the rash is better but still itchy.", "i saw {dr2_last} last week and she said "
    "to check with you.", "can you call my cell {phone} after 3 pm?", "my son will pick up the paperwork.",
)
_PATIENT_CLOSINGS = ("thanks, {pt_first}", "thank you", "{pt_first}", "- {pt_full}", "thx", "sent from my iphone",
                     "{pt_first} ({rel})", "thanks!", "")
_STAFF_REPLY = (
    "{dr} reviewed your message. Please continue your current dose and schedule a visit.",
    "Your refill was sent to your pharmacy.", "Your appointment has been moved to {date_next} at {time}.",
    "Please call the clinic at {clinic_phone} so we can discuss.", "Your results are normal.",
    "We received your message.", "Please go to the nearest ED if your symptoms get worse.",
    "Your labs from {date_prior} look stable.", "{dr_last} would like you to come in this week.",
    "The form has been faxed to {fax}.", "Please bring your medication bottles to the visit.",
    "Your potassium was a little low (3.3); we sent a prescription for KCl 20 mEq daily.",
    "A referral to {spec} has been placed; they will call you from {clinic_phone}.",
)
_STAFF_GREETING = ("Hi {pt_first},", "Hello {pt_title},", "Dear {pt_first},", "Good afternoon,", "Hi,")
_STAFF_SIGNATURE = ("{rn}\n{hosp}", "Best, {rn}", "Thank you, {dr}", "{rn} for {dr}", "- {hosp} care team",
                    "Sincerely,\n{dr}")


def write_portal_message(w: Writer, target_chars: int) -> None:
    rng = w.rng
    if rng.random() < 0.25:
        if rng.random() < 0.7:
            w.say(_STAFF_GREETING, end=rng.choice((" ", "\n")))
        w.some(_STAFF_REPLY, 1, 3)
        if rng.random() < 0.7:
            w.text("\n")
            w.say(_STAFF_SIGNATURE)
        return
    if rng.random() < 0.7:
        w.case = str.lower
        w.builder.literal_transform = make_typo_transform(rng, rng.choice((0.02, 0.05, 0.1)))
    if rng.random() < 0.15:
        w.say(("Subject: refill", "Subject: question", "RE: appointment", "Subject: lab results",
               "Subject: form"), end="\n")
    if rng.random() < 0.8:
        w.say(_PATIENT_GREETINGS, end=rng.choice(("\n", " ")))
    w.some(_PATIENT_BODY, 1, 1)
    w.text(" ")
    w.fill(_PATIENT_BODY, target_chars)
    w.text(rng.choice((" ", "\n", "\n\n")))
    w.say(_PATIENT_CLOSINGS)
    if rng.random() < 0.1:
        w.say(("\n(sent from {ip})", "\nLogged in from IP {ip}"))
