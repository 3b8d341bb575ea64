"""The corpus as people edit it: safe file reading, YAML and Markdown parsing, records and links."""
