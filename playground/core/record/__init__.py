"""What was said on the wire: the recording transport, the immutable `Exchange`, and the ways to
show one (content views, curl, plain text).
"""
