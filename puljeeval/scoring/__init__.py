"""Scoring: the instrument engine (instruments.yaml's rules), pre/post change with reliable and
clinically significant change, and the stage that scores every instrument."""
