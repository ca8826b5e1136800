"""The counting rules: what every number of the registry means, told once.

Each rule has a stable id, one sentence in English and one in Korean, a worked example on the
small world of tests/timeseries_data.py, and the node id of the test that computes that
example through the series service (registry/series/timeseries.compute) and asserts the sentence's
claim. /method/, the API's method document (/api/v1/method/) and a release's README are
written from RULES; tests/test_method_rules.py fails when a rule names no test, so the page
cannot say something the code does not do.

    for rule in RULES: rule.id, rule.en, rule.ko, rule.example, rule.test
    sentence(rule)  # in the active language
"""

from dataclasses import dataclass

from django.utils import translation


@dataclass(frozen=True)
class Rule:
    id: str
    en: str
    ko: str
    example: str  # worked example, in English (the figures are the same in any language)
    test: str  # "tests/<file>.py::<function>"
    # The branch whose merge brings the test; until then tests/test_method_rules.py does not
    # require the test's file to exist (it still requires the test's name).
    pending_branch: str = ""


RULES = (
    Rule(
        id="metric",
        en="metric=articles counts an article with at least one matching claim once per period and group, however "
           "many matching claims it carries; metric=claims counts each matching claim; metric=enterprises counts "
           "each enterprise with a matching claim once per period and group.",
        ko="metric=articles는 조건에 맞는 주장이 하나라도 있는 기사를 기간과 묶음마다 한 번 셉니다(맞는 주장이 몇 개이든); "
           "metric=claims는 맞는 주장 하나하나를, metric=enterprises는 맞는 주장이 있는 기업소를 기간과 묶음마다 한 번 셉니다.",
        example="KCNA, North Hamgyong, 2018: a4 names Chongjin Steel Works (modernization) and Hamgyong Coal Mine "
                "(operation): articles 1, claims 2, enterprises 2.",
        test="tests/test_method_rules.py::test_rule_metric",
    ),
    Rule(
        id="containment",
        en="A place counts everything inside it: a city counts its districts. An enterprise known only to lie in a "
           "province is counted for the province, never for a city in it.",
        ko="지역은 그 안의 모든 것을 셉니다. 시는 그 구역을 포함합니다. 도에 있다는 것만 알려진 기업소는 그 도에만 세고, 도 안의 어느 시에도 세지 않습니다.",
        example="Pyongyang counts Sadong Machine Factory (Sadong district): 2015, 1 article (a1). In 2016 "
                "Chongjin counts 0 and North Hamgyong 1 (a3 names Hamgyong Coal Mine, placed only in the province).",
        test="tests/test_method_rules.py::test_rule_containment",
    ),
    Rule(
        id="codes-threshold",
        en="max_code=N keeps claims coded 1 to N only (“codes 1–3” leaves out passing mentions of technology and "
           "production claims); bands=yes shows each group at maximum code 1 to 5 side by side.",
        ko="max_code=N은 신뢰도 코드 1부터 N까지의 주장만 남깁니다(“코드 1–3”은 기술의 지나가는 언급과 생산 주장을 뺍니다). "
           "bands=yes는 각 묶음을 최대 코드 1부터 5까지 나란히 보여 줍니다.",
        example="Chongjin 2015: a1 (production, code 5) and a2 (facility, code 2): 2 articles; with max_code=3, 1; "
                "bands: ≤1 0, ≤2 1, ≤3 1, ≤4 1, ≤5 2.",
        test="tests/test_method_rules.py::test_rule_codes_threshold",
    ),
    Rule(
        id="public-view",
        en="The public's counts hold published (coded or reviewed) public articles only; restricted articles and "
           "drafts are left out, and so is every claim and enterprise known only from them. A release holds the same.",
        ko="공개 집계에는 발행된(코딩 또는 검토된) 공개 기사만 들어갑니다. 제한 기사와 초안, 그리고 그것들로만 알려진 주장과 기업소는 빠집니다. 릴리스도 같습니다.",
        example="Pyongyang 2018, activity facility: a5 is restricted: 0 for the public.",
        test="tests/test_method_rules.py::test_rule_public_view",
    ),
    Rule(
        id="signed-in-view",
        en="A signed-in user allowed to see restricted articles or drafts counts them too: such a series holds more "
           "than the public view, says so, and cannot be reproduced from a release.",
        ko="제한 기사나 초안을 볼 수 있는 로그인 사용자의 집계에는 그것들도 들어갑니다. 그런 계열은 공개 보기보다 많은 것을 담고 있음을 밝히며, 릴리스로 재현할 수 없습니다.",
        example="Pyongyang 2018, activity facility: 1 for a researcher allowed to see restricted articles (a5), "
                "0 for the public.",
        test="tests/test_method_rules.py::test_rule_signed_in_view",
    ),
    Rule(
        id="date-precision",
        en="An article dated only to a month or a year is placed in a period only if that whole month or year lies "
           "inside one period and inside start..end; otherwise it is in no period and is counted in left_out, in "
           "every interval and format. To place it, use a longer interval, or start and end on whole years.",
        ko="월이나 연도까지만 날짜가 알려진 기사는 그 달이나 그 해 전체가 한 기간 안에, 그리고 start..end 안에 들 때만 그 기간에 넣습니다. "
           "그렇지 않으면 어느 기간에도 넣지 않고 left_out에 셉니다(모든 간격, 모든 형식). 넣으려면 더 긴 간격이나 해 단위의 start와 end를 쓰십시오.",
        example="KCNA: a3 is dated only to 2016. Yearly it counts in 2016; quarterly it is in no quarter (left_out 1); "
                "with start=2016-03-15 it is left out of 2016 too (left_out 1).",
        test="tests/test_method_rules.py::test_rule_date_precision",
    ),
    Rule(
        id="partial-periods",
        en="When start or end falls inside a period, that period is flagged “partial period” (CSV, Excel, JSON and "
           "/compare/) and its covered share is taken over the days asked for only.",
        ko="start나 end가 기간 중간에 떨어지면 그 기간에 “partial period” 표시가 붙고(CSV, Excel, JSON, /compare/), 그 기간의 열람 비율은 요청한 날들에 대해서만 계산합니다.",
        example="KCNA read January to June 2016; start=2016-06: 2016 is partial, covered share 30/214 = 0.1402.",
        test="tests/test_method_rules.py::test_rule_partial_periods",
    ),
    Rule(
        id="zero-filled",
        en="Every period from start (else the first counted) to end (else the last counted) is in the answer, with 0 "
           "where nothing matched, unless coverage leaves it empty.",
        ko="start(없으면 처음 센 기간)부터 end(없으면 마지막 센 기간)까지 모든 기간이 답에 들어가며, 맞는 것이 없으면 0입니다(열람 기록 규칙으로 비는 경우는 제외).",
        example="Pyongyang, 2013 to 2016: 0, 0, 1, 1.",
        test="tests/test_method_rules.py::test_rule_zero_filled",
    ),
    Rule(
        id="coverage-share",
        en="A period's covered share is the mean, over every source in scope (those named, else every source with "
           "coverage recorded or a visible article), of the share of the period's days recorded as read; a source "
           "with no coverage recorded is unknown and counts as not read. The answer names both kinds of source.",
        ko="기간의 열람 비율은 범위 안의 모든 출처(지정한 출처, 없으면 열람 기록이나 볼 수 있는 기사가 있는 모든 출처)에 대해 그 기간 중 읽었다고 기록된 날의 비율을 평균한 값입니다. "
           "열람 기록이 전혀 없는 출처는 “알 수 없음”으로, 읽지 않은 것으로 셉니다. 답에 두 종류의 출처를 밝힙니다.",
        example="KCNA read all of 2015, DNK has no coverage recorded: 2015 covered share (365 + 0) / (2 × 365) = 0.5, "
                "DNK unknown.",
        test="tests/test_method_rules.py::test_rule_coverage_share",
    ),
    Rule(
        id="coverage-never-hides",
        en="A period holding articles of the sources in scope keeps its value, flagged “read: partly” or “read: not "
           "recorded”; only a period nobody recorded reading and holding no such article has no value (empty, not 0). "
           "Without any coverage recorded every period is counted, zeros included, and the answer says so.",
        ko="범위 안 출처의 기사가 있는 기간은 값을 그대로 두고 “read: partly” 또는 “read: not recorded” 표시를 붙입니다. "
           "읽었다는 기록도 없고 그런 기사도 없는 기간만 값이 없습니다(0이 아니라 빈 칸). 열람 기록이 전혀 없으면 모든 기간을 0까지 포함해 세고 그렇다고 밝힙니다.",
        example="KCNA read 2015 only: 2015 2; 2016 1 (a3, read: not recorded); 2017 empty; 2018 1 (a4, read: not "
                "recorded).",
        test="tests/test_method_rules.py::test_rule_coverage_never_hides",
    ),
    Rule(
        id="share-denominator",
        en="per=all divides each value by the same metric counted over every article of the same sources in the "
           "period that the viewer may see, whatever it reports: articles by articles, stories by stories, claims by "
           "claims, enterprises by enterprises. A period with none has no share.",
        ko="per=all은 각 값을, 그 기간에 같은 출처에서 보는 사람이 볼 수 있는 모든 기사(무엇을 보도하든)에 대해 같은 지표로 센 값으로 나눕니다. "
           "기사는 기사로, 이야기는 이야기로, 주장은 주장으로, 기업소는 기업소로 나눕니다. 그런 것이 없는 기간에는 비율이 없습니다.",
        example="KCNA 2015 with a1 and a2 in one story and a third article without claims: stories 1/2 = 0.5, "
                "articles 2/3 = 0.6667.",
        test="tests/test_method_rules.py::test_rule_share_denominator",
    ),
    Rule(
        id="stories",
        en="metric=stories counts the articles linked as one story (a reprint, a translation) once; an article in no "
           "story is a story of its own.",
        ko="metric=stories는 하나의 이야기로 묶인 기사들(재게재, 번역)을 한 번 셉니다. 어느 이야기에도 속하지 않은 기사는 그 자체로 하나의 이야기입니다.",
        example="a1 and a2 (KCNA 2015) linked as one story: 2015 articles 2, stories 1.",
        test="tests/test_method_rules.py::test_rule_stories",
    ),
    Rule(
        id="alpha-code",
        en="The code's alpha (ordinal) is taken over the units (article × enterprise × activity) both coders "
           "recorded; the units one coder alone recorded are counted and reported apart.",
        ko="코드의 알파(서열 척도)는 두 코더가 모두 기록한 단위(기사 × 기업소 × 활동)에 대해 계산합니다. 한 코더만 기록한 단위는 따로 세어 보고합니다.",
        example="First coder: (1,10,production) 3, (1,11,facility) 2, (2,10,construction) 1, (3,12,production) 4; "
                "second: (1,10,production) 3, (2,10,construction) 1, (3,12,production) 5, (3,12,operation) 2: "
                "3 units both recorded, 1 by each coder alone.",
        test="tests/test_agreement.py::test_compare_two_codings_over_the_units_either_recorded",
    ),
    Rule(
        id="alpha-activity",
        en="The activity's alpha is taken over article × enterprise, each coder's value the set of activities "
           "recorded (empty if none), two sets as far apart as Passonneau's MASI distance; the alpha with each "
           "set one nominal category is reported beside it as a sensitivity check.",
        ko="활동의 알파는 기사 × 기업소 단위로, 각 코더의 값은 기록한 활동의 집합(없으면 빈 집합)이며 두 집합의 거리는 Passonneau의 MASI 거리입니다. "
           "집합 하나하나를 명목 범주로 본 알파를 민감도 확인으로 함께 보고합니다.",
        example="The same two codings: MASI alpha 68/138 = 0.493; each set one category: 5/12 = 0.417.",
        test="tests/test_agreement.py::test_compare_two_codings_over_the_units_either_recorded",
    ),
    Rule(
        id="alpha-verdict",
        en="Alpha's 95% interval comes from 1,000 bootstrap resamples of the articles (the sampled unit); the "
           "verdict reads the interval's lower bound: 0.80 or more reliable, 0.667 or more tentative, else "
           "unreliable.",
        ko="알파의 95% 구간은 기사(표본 단위)를 1,000번 다시 뽑는 부트스트랩으로 얻습니다. 판정은 구간의 하한으로 합니다. 0.80 이상은 신뢰, 0.667 이상은 잠정, 그 밖은 신뢰할 수 없음입니다.",
        example="Alpha 0.816 with interval 0.531–1.0: unreliable, not reliable.",
        test="tests/test_agreement.py::test_the_verdict_reads_the_lower_bound",
    ),
    Rule(
        id="blind-rounds",
        en="An agreement round draws coded articles not yet published, and none of them may be published while the "
           "round is open: their first coding is in no public answer, page or release until it closes. Its second "
           "coder sees a drawn article's source, date, headline and text on the round's page only, never its "
           "summary, notes or claims, signed in or not.",
        ko="일치도 평가 회차는 코딩되었으나 아직 공개되지 않은 기사를 추출하며, 회차가 열려 있는 동안 그 기사는 공개할 수 없습니다. "
           "회차가 닫힐 때까지 첫 코딩은 어떤 공개 응답, 페이지, 릴리스에도 나오지 않습니다. 두 번째 코더는 추출된 기사의 출처, 날짜, 제목, 본문을 "
           "회차 페이지에서만 보며, 로그인 여부와 상관없이 그 요약, 메모, 주장은 보지 못합니다.",
        example="A draft coded by kim is drawn for a second coder: signed in, signed out and signed in again, no "
                "answer of the admin, the API or the pages holds its summary, notes or claims; publishing it is "
                "refused until the round closes.",
        test="tests/test_blind_rounds.py::test_the_second_coder_signs_in_out_and_in_and_never_sees_the_first_coding",
    ),
    Rule(
        id="dated-attributes",
        en="A claim is counted under the grade, place, parent complex and industry its enterprise had on the claim's "
           "date: the article's date, or, for an article dated only to a month or a year, the first day of that "
           "month or year. With as_of=DATE every claim is counted under the values valid on that one day instead.",
        ko="주장은 그 날짜(기사의 날짜, 월이나 연도까지만 알려진 기사는 그 달이나 그 해의 첫날)에 기업이 가졌던 등급, 위치, "
           "소속 련합기업소, 업종으로 셉니다. as_of=날짜를 주면 모든 주장을 그 하루에 유효했던 값으로 셉니다.",
        example="An enterprise graded 2 until 2016 and 1 from 2017: its 2015 claim counts under 2nd grade, its 2018 "
                "claim under 1st grade; with as_of=2018-01-01 both count under 1st grade.",
        test="tests/test_history.py::test_rule_dated_attributes",
        pending_branch="history",
    ),
)

BY_ID = {rule.id: rule for rule in RULES}


def sentence(rule):
    """The rule's sentence in the active language (Korean for ko, else English)."""
    return rule.ko if (translation.get_language() or "en").startswith("ko") else rule.en


def as_data():
    """The rules as the API's method document and a release carry them."""
    return [
        {"id": r.id, "en": r.en, "ko": r.ko, "example": r.example, "test": r.test} for r in RULES
    ]


def as_markdown():
    """The rules for a release's README: one item per rule, English, its example below."""
    return "\n".join(f"- **{r.id}**: {r.en}\n  *Example:* {r.example}" for r in RULES)
