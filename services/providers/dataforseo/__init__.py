"""DataForSEO v3: the HTTP client, the volume provider and the figures other layers price by.

Constants here import nothing, so the budget (:mod:`services.spend.budget`) and the funnel can
use them without loading the client.
"""

#: DataForSEO Labs keyword suggestions asked for per funnel run (one request; price per item).
SUGGESTIONS_PER_RUN = 20
