"""Pure rendering: events and replies to styled text, and styled text to ANSI.

Nothing here imports prompt_toolkit or Pygments: script mode, the practice
server's feed, exports and the REPL all render through these two modules.
"""
