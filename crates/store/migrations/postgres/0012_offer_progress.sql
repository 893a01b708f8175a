-- The portal follows an offer's progress (credentials issued from it) by offer id.
CREATE INDEX issued_credentials_offer ON issued_credentials (offer_id) WHERE offer_id IS NOT NULL;
