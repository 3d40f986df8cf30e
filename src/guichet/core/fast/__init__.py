"""Speed tricks that earned their place: each bypasses part of the framework where an A/B run
showed a gain well above the noise on a scenario that matters, has its ADR (0013) and an
equivalence test that pins it to what the plain framework code gives. Nothing else goes here.
"""
