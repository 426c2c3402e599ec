"""Every bill type the assistant can look up, in ONE table.

A row says what the citizen calls it, which department keeps it and which client speaks to
that department, what identifies an account and how to recognise one, how the record is read
(`kind`, see `departments.bills`), and whether it can be paid online. Adding a bill type is one
row here, a client module if the department is new, the sandbox router and data, and the Rasa
data (see the README's "Adding a department").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from common.identity import id_number_problem, normalise_plate
from common.masking import mask_account
from common.text_normalization import normalize_identifier
from departments.base import DepartmentClient
from departments.cable_tv import CableTvClient
from departments.housing_fund import HousingFundClient
from departments.hrss import HrssClient
from departments.traffic import TrafficClient
from departments.utility import UtilityClient

RecordKind = Literal["billed", "social_security", "housing_fund", "traffic"]


@dataclass(frozen=True)
class DepartmentSpec:
    """A department API: `key` names its setting (`<KEY>_API_URL`), `name` is how citizens
    hear of it, `client` the class that speaks its API."""

    key: str
    name: str
    client: type[DepartmentClient]


@dataclass(frozen=True)
class BillType:
    id: str
    """The canonical `bill_type` entity value (CONTRACT.md)."""
    name: str
    """As replies say it: 水费."""
    synonyms: tuple[str, ...]
    """Other words citizens use; the NLU maps them in data/nlu/synonyms.yml."""
    department: DepartmentSpec
    kind: RecordKind
    identifier_name: str
    identifier_hint: str
    identifier_entities: tuple[str, ...]
    """The NLU entities that carry this bill type's identifier, in order of preference."""
    identifier_problem: Callable[[str], str | None]
    """Why a typed identifier cannot be right, in the citizen's words; None when it can."""
    payable_online: bool = False
    """Bills that a payment link (Alipay) can pay; the others get `pay_hint`."""
    pay_hint: str = ""
    account_prefix: str = ""
    """An account number starting with this names the bill type even when the citizen did not."""
    implied_by_entity: str = ""
    """An entity that names the bill type by itself (a plate number: traffic fines)."""
    account_word: str = "户号"
    """What the company calls the account in a reply's header: 户号, or 账号 (cable TV)."""

    def normalise(self, value: str) -> str:
        """The typed value as the department stores it: full-width or spoken digits, spaces
        and hyphens read the same way as everywhere else (`common.text_normalization`)."""
        compact = re.sub(r"\s", "", normalize_identifier(value)).upper()
        if self.kind == "traffic":
            return normalise_plate(compact) or compact
        return compact

    def shown(self, identifier: str) -> str:
        """How the identifier appears in a reply: plates whole (they are on the car), the rest masked."""
        return identifier if self.kind == "traffic" else mask_account(identifier)


def _pattern_check(pattern: str, name: str, hint: str) -> Callable[[str], str | None]:
    compiled = re.compile(pattern)
    return lambda value: None if compiled.match(value) else f"{name}格式不对，{hint}。"


def _fund_account_or_id(value: str) -> str | None:
    return None if re.match(r"^GJJ\d{6,12}$", value) else id_number_problem(value)


def _plate(value: str) -> str | None:
    return None if normalise_plate(value) else f"车牌号格式不对，{_PLATE_HINT}。"


_UTILITY_ACCOUNT = r"^[A-Z]{0,3}\d{6,14}$"
_PLATE_HINT = "如 鲁K·A1234"
UTILITY_PAY_HINT = "缴费：回复“缴费”，或在支付宝、微信的“生活缴费”里交，也可到营业厅或银行代扣。"


def _billed(
    bill_type: str,
    name: str,
    synonyms: tuple[str, ...],
    department: DepartmentSpec,
    identifier_name: str,
    hint: str,
    pattern: str = _UTILITY_ACCOUNT,
    account_prefix: str = "",
    account_word: str = "户号",
) -> BillType:
    return BillType(
        id=bill_type,
        name=name,
        synonyms=synonyms,
        department=department,
        kind="billed",
        identifier_name=identifier_name,
        identifier_hint=hint,
        identifier_entities=("account_number",),
        identifier_problem=_pattern_check(pattern, identifier_name, hint),
        payable_online=True,
        pay_hint=UTILITY_PAY_HINT,
        account_prefix=account_prefix,
        account_word=account_word,
    )


BILL_TYPE_TABLE: tuple[BillType, ...] = (
    _billed(
        "water",
        "水费",
        ("自来水费", "水费单"),
        DepartmentSpec("water", "供水公司", UtilityClient),
        "水费户号",
        "在水费单或缴费记录上能找到，如 3100012345",
    ),
    _billed(
        "electricity",
        "电费",
        ("电费单", "用电"),
        DepartmentSpec("electricity", "供电公司", UtilityClient),
        "电费户号",
        "在电费单或“网上国网”App里能找到，如 0531880001",
    ),
    _billed(
        "gas",
        "燃气费",
        ("煤气费", "天然气费", "燃气"),
        DepartmentSpec("gas", "燃气公司", UtilityClient),
        "燃气户号",
        "在燃气卡或缴费单上能找到，如 GZ20080077",
        account_prefix="GZ",
    ),
    _billed(
        "cable_tv",
        "有线电视费",
        ("有线电视", "数字电视", "广电费", "闭路电视费"),
        DepartmentSpec("cable_tv", "有线电视公司", CableTvClient),
        "有线电视账号",
        "在有线电视缴费单或机顶盒背面能找到，如 CATV20230001",
        pattern=r"^CATV\d{6,10}$",
        account_prefix="CATV",
        account_word="账号",
    ),
    BillType(
        id="social_security",
        name="社保",
        synonyms=("社会保险", "养老保险", "医保"),
        department=DepartmentSpec("hrss", "人社局", HrssClient),
        kind="social_security",
        identifier_name="身份证号",
        identifier_hint="18位，最后一位可能是X",
        identifier_entities=("id_number",),
        identifier_problem=id_number_problem,
    ),
    BillType(
        id="housing_fund",
        name="公积金",
        synonyms=("住房公积金",),
        department=DepartmentSpec("hpf", "公积金中心", HousingFundClient),
        kind="housing_fund",
        identifier_name="公积金账号或身份证号",
        identifier_hint="如 GJJ370100001，也可以直接发身份证号",
        identifier_entities=("account_number", "id_number"),
        identifier_problem=_fund_account_or_id,
        account_prefix="GJJ",
    ),
    BillType(
        id="traffic_fine",
        name="交通违章",
        synonyms=("违章", "罚单", "交通罚款"),
        department=DepartmentSpec("traffic", "交管部门", TrafficClient),
        kind="traffic",
        identifier_name="车牌号",
        identifier_hint=_PLATE_HINT,
        identifier_entities=("plate_number",),
        identifier_problem=_plate,
        pay_hint="交通罚款请用“交管12123”App缴纳，或到银行、交警窗口缴纳。",
        implied_by_entity="plate_number",
    ),
)

BILL_TYPES: dict[str, BillType] = {bill_type.id: bill_type for bill_type in BILL_TYPE_TABLE}
BILL_TYPE_IDS: tuple[str, ...] = tuple(BILL_TYPES)
PAYABLE_ONLINE: tuple[str, ...] = tuple(t.id for t in BILL_TYPE_TABLE if t.payable_online)
IDENTIFIER_ENTITIES: frozenset[str] = frozenset(e for t in BILL_TYPE_TABLE for e in t.identifier_entities)


def bill_type(bill_type_id: str) -> BillType:
    """The row of a canonical id; KeyError for anything else (callers check `in BILL_TYPES`)."""
    return BILL_TYPES[bill_type_id]


def names_list() -> str:
    """水费、电费…和交通违章: what the assistant can look up, for "I can't look that up" replies."""
    names = [t.name for t in BILL_TYPE_TABLE]
    return "、".join(names[:-1]) + "和" + names[-1]
