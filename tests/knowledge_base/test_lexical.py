"""The knowledge base counts its own char n-grams (knowledge_base/lexical.py) so that the
processes that search it never import scikit-learn (about 66 MB each); the counts must be the
ones scikit-learn's CountVectorizer gave, or the BM25 scores and the self-calibrated
thresholds would move."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from knowledge_base.lexical import CharNgramCounts
from scripts.stack import PROJECT_ROOT

DOCUMENTS = [
    "身份证丢了怎么补办\n身份证掉了咋补\n补办身份证",
    "公积金  提取   需要什么材料",
    "港澳通行证续签\t\t在哪办",
    "ＡＢＣ Wi-Fi 密码 abc ABC",
    "水费水费水费",
    "",
]
QUERIES = ["身份证 掉了", "公积金提取\n\n材料", "unseen 词语", "", "水费 水费"]


def test_counts_are_scikit_learns() -> None:
    ours = CharNgramCounts(DOCUMENTS, (1, 2))
    theirs = CountVectorizer(analyzer="char", ngram_range=(1, 2), lowercase=False)
    expected_documents = theirs.fit_transform(DOCUMENTS)
    assert ours.vocabulary == theirs.vocabulary_
    np.testing.assert_array_equal(ours.documents.toarray(), expected_documents.toarray())
    np.testing.assert_array_equal(ours.transform(QUERIES).toarray(), theirs.transform(QUERIES).toarray())


def test_searching_the_knowledge_base_imports_no_scikit_learn() -> None:
    code = (
        "import sys\n"
        "from knowledge_base.lexical import CharBm25Index\n"
        "import bot.app\n"
        "CharBm25Index(['身份证补办', '水费查询']).scores('身份证')\n"
        "print('sklearn' in sys.modules)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=dict(os.environ), capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "False"
