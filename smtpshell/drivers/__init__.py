"""Drivers feed lines to one SessionRunner: a script (stdin, --script, -c), the REPL, replay."""
