"""Runs a peer program as a terminal would: its stdout line-buffered.

Python buffers stdout in blocks when it is a pipe, so a consumer's lines
would reach the bench in bursts; in a terminal each line leaves when printed,
as Deno's console.log does. The bench times consumers by their lines.

Usage: python3 _line_buffered.py PROGRAM.py [ARGS...]
"""
import runpy
import sys

sys.stdout.reconfigure(line_buffering=True)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
