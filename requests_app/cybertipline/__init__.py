"""The CyberTipline register: the platform's own reports to NCMEC (18 U.S.C. 2258A)."""
