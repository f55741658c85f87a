"""odr: an online dispute resolution platform for ADR providers, insurers and their customers."""
