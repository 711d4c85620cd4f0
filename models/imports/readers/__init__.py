"""The readers of exported files: bytes in, rows out, pure; a file they cannot read raises `UnreadableFile`."""
