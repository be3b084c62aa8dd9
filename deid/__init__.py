"""De-identification of clinical notes with Presidio and clinical recognizers."""
