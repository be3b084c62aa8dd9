"""Clinic / progress notes and patient portal messages."""

from __future__ import annotations

from medflow.samplegen_context import Writer
from medflow.samplegen_text import make_typo_transform

_CLINIC_TITLES = ("Progress Note", "Clinic Note", "OFFICE VISIT", "{spec} Clinic Follow-up", "Primary Care Visit",
                  "Telephone Encounter", "Annual Physical", "Post-Discharge Follow-up", "Urgent Visit",
                  "Outpatient Progress Note - {spec}", "Telehealth Visit")
_CLINIC_HEADER = (
    ("Patient: {pt_formal}", "Pt name: {pt_formal}", "{pt_formal}"), ("DOB: {date_dob}", "DOB {date_dob}"),
    ("MRN: {mrn}", "MRN {mrn}"), ("Date of service: {date}", "Visit date: {date}", "DOS: {date}"),
    ("Provider: {dr}", "Seen by: {pcp}", "Clinician: {dr}"), ("Location: {hosp}", "Clinic: {hosp}"),
    ("Insurance: {plan}", "Coverage: {plan}"),
)
_SUBJECTIVE = (
    "{pt} is {a_age} {man} here for follow-up of {cond} and {cond}.",
    "{a_age} {sex} presents for [hospital follow-up|routine follow-up|a new problem|medication review].",
    "Seen at {hosp_other} ED on {date_prior} for {cc}; since then {he} has been [improving|about the same|worse].",
    "Accompanied by {rel}, who helps with medications.", "{He} reports {cc} {duration}.",
    "No chest pain, dyspnea, or orthopnea.", "Taking {med} as prescribed.",
    "Stopped {med} due to side effects.", "Sleeping poorly; {score}.",
    "[Home BPs|Home blood pressures] running {bp} to {bp}.", "Fingersticks in the 150s fasting.",
    "Interval history: admitted to {hosp} {date_prior} to {date_prior} for {cond}.",
    "Patient was in an MVC on {date_prior} as the driver of a {vehicle}; seen at {hosp_other}.",
    "Last colonoscopy {year_prior}, normal.", "Mammogram due.", "Uses a {device}.",
    "{He} has been going to PT twice weekly.", "Wife reports snoring and witnessed apneas.",
    "Symptoms started {duration} ago after [lifting|a viral illness|a fall].",
    "Feels [great|tired|a little better|much better] overall.", "{His} {rel} passed away in {date_prior}.",
    "{He} is planning to travel to {state} in {date_next}.",
)
_OBJECTIVE = (
    "BP {bp}, HR {hr}, T {temp}, SpO2 {spo2}, Wt [72|88|104|61] kg.", "Vitals: BP {bp} | P {hr} | RR {rr}.",
    "Gen: NAD.", "{exam}.", "{exam}; {exam}.", "Heart: {exam}.", "Lungs: {exam}.", "Ext: {exam}.",
    "Recent labs ({date_prior}): {labs}.", "Labs today: {labs}.", "{score}.", "PHQ-2 negative.",
    "ECG in clinic: NSR {hr}.", "Monofilament intact bilaterally.",
)
_ASSESSMENT = (
    "{cond} - [stable|improving|not at goal|worsening].", "Continue {med}.", "Increase {med}.",
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
_SIGN = ("{dr}", "Signed by {dr} on {date} at {time}", "{dr}\n{hosp}", "Electronically signed: {pcp} {date}",
         "-- {dr}", "{rn}", "Medical license {medlic}")


def write_clinic_note(w: Writer, target_chars: int) -> None:
    rng = w.rng
    w.say(_CLINIC_TITLES, end="\n")
    if not w.ctx.phi_free:
        for options in _CLINIC_HEADER:
            if rng.random() < 0.45:
                w.say(options, end=rng.choice(("\n", "  ")))
    if target_chars < 400 or rng.random() < 0.15:
        w.some(_TELEPHONE, 2, 5)
    elif rng.random() < 0.5:
        for names, pool in ((("S", "Subjective", "HPI"), _SUBJECTIVE), (("O", "Objective", "Exam"), _OBJECTIVE),
                            (("A/P", "Assessment and Plan", "Plan", "Impression/Plan"), _ASSESSMENT)):
            w.heading(names)
            w.some(pool, 2, 6, sep=rng.choice((" ", "\n")))
    else:
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


# Portal messages are lower-cased as a whole by the caller for most patients (informal writing).
_PATIENT_GREETINGS = ("hi {pcp},", "hello,", "hi doctor,", "good morning", "hi there", "hey {pcp}",
                      "dear {dr},", "to whom it may concern,", "hello {pcp} and team,", "")
_PATIENT_BODY = (
    "i have been having {cc} {duration} and wanted to know if i should come in.",
    "can i get a refill of my {med}? the pharmacy said i have no refills left.",
    "my new phone number is {phone}.", "i moved, my new address is {addr}.",
    "my insurance changed to {plan}, can you update it?", "my bp this morning was {bp}, is that ok?",
    "i got my lab results on the portal, what does {lab} mean?", "the medicine makes me dizzy.",
    "i need a note for work for missing {date_short} and {date_short}.",
    "can we move my appointment on {date_next}? i can't make it.",
    "my {rel} is going to bring me to the appointment.", "i had a fall last night but i'm ok.",
    "please call me at {phone} or email {email}.", "is it ok to take tylenol with my {med}?",
    "my sugar was 250 after dinner.", "i'm feeling much better, thank you for everything.",
    "the wound from surgery is red and warm around the edges.", "i've been coughing for {duration} now.",
    "do i still need to take the {frac} pill at night?", "my {device} has been beeping.",
    "i was at {hosp_other} on {date_prior} and they said to follow up with you.",
    "can you fax the form to my employer at {fax}?", "i forgot, am i supposed to fast for the bloodwork?",
    "my mom is {other_age} and she wants to know if she needs the shingles shot too.",
    "the link {url} doesn't work for me.", "i'm {age_short} and never had a colonoscopy, do i need one?",
    "my account number is {acct}, i got a bill i don't understand.",
)
_PATIENT_CLOSINGS = ("thanks, {pt_first}", "thank you", "{pt_first}", "- {pt_full}", "thx", "sent from my iphone",
                     "{pt_first} ({rel})", "thanks!", "")
_STAFF_REPLY = (
    "Hi {pt_first}, {dr} reviewed your message. Please continue your current dose and schedule a visit.",
    "Hello {pt_title}, your refill was sent to your pharmacy.", "Your appointment has been moved to {date_next} "
    "at {time}.", "Please call the clinic at {clinic_phone} so we can discuss.", "Your results are normal.",
    "Dear {pt_first}, we received your message.", "Please go to the nearest ED if your symptoms get worse.",
    "{rn}\n{hosp}", "Best, {rn}", "Thank you, {dr}", "Your labs from {date_prior} look stable.",
)


def write_portal_message(w: Writer, target_chars: int) -> None:
    rng = w.rng
    if rng.random() < 0.25:
        w.some(_STAFF_REPLY, 1, 3)
        return
    if rng.random() < 0.7:
        w.case = str.lower
        w.builder.literal_transform = make_typo_transform(rng, rng.choice((0.02, 0.05, 0.1)))
    if rng.random() < 0.15:
        w.say(("Subject: refill", "Subject: question", "RE: appointment", "Subject: lab results",
               "Subject: form"), end="\n")
    w.say(_PATIENT_GREETINGS, end=rng.choice(("\n", " ")))
    w.some(_PATIENT_BODY, 1, 1)
    w.text(" ")
    w.fill(_PATIENT_BODY, target_chars)
    w.text(rng.choice((" ", "\n", "\n\n")))
    w.say(_PATIENT_CLOSINGS)
    if rng.random() < 0.1:
        w.say(("\n(sent from {ip})", "\nLogged in from IP {ip}"))
