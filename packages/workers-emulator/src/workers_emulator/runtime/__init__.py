"""What the emulator puts in place of the platform: the stand-in ``workers`` module."""
