import pytest
from django.core.exceptions import ValidationError

from accounts.normalize import clean_uscc, normalize_account_name, uscc_check_char


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("上海华信机械有限公司", "上海华信机械"),
        ("上海华信机械股份有限公司", "上海华信机械"),
        ("上海 华信 机械 有限责任公司", "上海华信机械"),
        ("ＡＢＣ  Trading Co., Ltd.", "abctrading"),
        ("abc trading co.,ltd", "abctrading"),
        ("ABC Trading Limited", "abctrading"),
        ("Acme Inc.", "acme"),
        ("（北京）东方电子有限公司", "北京东方电子"),
        ("公司", "公司"),
        ("", ""),
    ],
)
def test_normalize_account_name_folds_width_case_spaces_and_suffixes(raw, expected):
    assert normalize_account_name(raw) == expected


def test_known_valid_uscc_passes():
    # A published example code (国家标准 GB 32100-2015 example structure).
    code = "91350100M000100Y43"
    assert uscc_check_char(code[:17]) == "3"
    assert clean_uscc(" 91350100m000100y43 ") == code


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y4", "uscc_length"),
        ("91350100M000100Y44", "uscc_check"),
        ("91350100M000100I43", "uscc_chars"),
    ],
)
def test_invalid_uscc_is_rejected_with_a_reason(code, reason):
    with pytest.raises(ValidationError) as exc:
        clean_uscc(code)
    assert exc.value.code == reason
