"""Channel plumbing for customer surveys: pure parsing of SMS and keypad input, SMS backends, signatures."""
