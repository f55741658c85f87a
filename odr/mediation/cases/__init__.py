"""Cases: referral intake, eligibility screening, the lifecycle and assignment."""
