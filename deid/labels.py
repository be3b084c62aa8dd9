"""The PHI label set shared by the recognizers, the anonymization policy, the sample generator and
the evaluation. One label per HIPAA Safe Harbor identifier kind that occurs in clinical notes."""

from __future__ import annotations

from enum import StrEnum


class PhiLabel(StrEnum):
    NAME = "NAME"  # patients, relatives, clinicians
    DATE = "DATE"  # every element of a date (day, month, year), not times
    AGE = "AGE"  # ages over 89
    PHONE = "PHONE"
    FAX = "FAX"
    EMAIL = "EMAIL"
    SSN = "SSN"
    MRN = "MRN"  # medical record number
    ACCOUNT = "ACCOUNT"  # billing / account number
    HEALTH_PLAN = "HEALTH_PLAN"  # health-plan beneficiary / member number
    ID = "ID"  # other record or certificate numbers
    LICENSE = "LICENSE"  # licence numbers (driver, DEA, medical licence)
    DEVICE = "DEVICE"  # device identifiers and serial numbers
    VEHICLE = "VEHICLE"  # vehicle identifiers, plates
    STREET = "STREET"  # street address
    CITY = "CITY"
    STATE = "STATE"
    ZIP = "ZIP"
    HOSPITAL = "HOSPITAL"  # hospitals, clinics, facilities
    URL = "URL"
    IP = "IP"


ALL_LABELS: tuple[str, ...] = tuple(label.value for label in PhiLabel)
