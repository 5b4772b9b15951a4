"""puljeeval: re-creation of the quantitative analysis of the Danish grant pool evaluation
of treatment offers for children and young people from families with substance abuse."""

__version__ = "0.1.0"
