"""Complaint router: which city category (and department) a citizen's complaint belongs to.

    from complaint_router import shared_router
    shared_router().top("楼下饭店油烟直排，熏得人受不了", k=3)
    # [RankedCategory(category='environment', name='环境保护', department='市生态环境局', score=0.9…), …]

Model: character 1-3-gram TF-IDF (after NFKC, lower case, digit masking) and a multinomial
logistic regression (C=10), trained on the hand-written messages in data/train/ plus long
messages composed from them (augment.py), probabilities calibrated by one temperature fitted
on out-of-fold scores. Chosen by 5-fold cross-validation on the training data against a
linear SVM, jieba word + char features, other n-gram ranges and USE sentence embeddings (see
data/README.md for the figures): word features and USE did not help, and both cost over 1 s
of loading (jieba's dictionary, USE's weights), which the 1 s budget rules out.

Shipped model: committed as shipped/router.npz (~1.4 MB), a numpy archive read with
`allow_pickle=False`. Committed rather than trained on first use because a fresh process
then loads in ~0.1 s with no scikit-learn import and no write access to a cache directory,
and because every deployment routes with the very bytes that were tested and benchmarked.
Being plain arrays, it can carry no code, so no content hash is needed to load it safely; it
records the sha256 of the data it was trained from, and tests/complaint_router fails when the
shipped model is stale (retrain: `python -m complaint_router train`).

A city retrains on its own export with `python -m complaint_router train --data FILE --out
MODEL.npz` and points `COMPLAINT_ROUTER_MODEL` at the result. Depends only on the standard
library, numpy, pyyaml (and jieba for word features), plus scikit-learn and scipy to train.
"""

from complaint_router.categories import Category, load_categories
from complaint_router.router import ComplaintRouter, RankedCategory, shared_router

__all__ = ["Category", "ComplaintRouter", "RankedCategory", "load_categories", "shared_router"]
