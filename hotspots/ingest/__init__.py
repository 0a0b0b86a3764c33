"""Reading and validating incident files, without Django.

Readers turn a path (CSV, .csv.gz, zip archive or folder of months) into named byte sources;
parsers turn each source into a validated, normalised DataFrame plus a list of row errors that
name the file, line and field.
"""
