"""Everything the user sees. ``render`` and ``ansi`` are pure and light (script
mode uses them without importing prompt_toolkit); the rest is the REPL."""
