"""A board's checks and exports speak the board's language (Board.language),
whatever the language of the request that asks for them."""

import io
import json
import zipfile

import pytest
from rest_framework.test import APIClient

from modeling import services as model_services
from storming import services, transfer

pytestmark = pytest.mark.django_db


@pytest.fixture
def chinese_board(facilitator):
    return services.create_board(facilitator, "网店", language="zh-hans")


@pytest.fixture
def english_board(facilitator):
    return services.create_board(facilitator, "Online shop")


def fill(board, facilitator):
    """A command that reads as done, and an event that does not."""
    lead = board.members.get(user=facilitator)
    for kind, text, x in (("command", "订单已提交", 0), ("event", "准备发货", 300)):
        data = {"kind": kind, "text": text, "x": x, "y": 0}
        services.execute(board.pk, lead, "sticky.create", data)
    services.execute(board.pk, lead, "phase.set", {"phase": "attribute"})


def api(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_model_api_checks_are_in_chinese_for_a_chinese_board(
    chinese_board, facilitator
):
    fill(chinese_board, facilitator)

    # The request asks for English: the board's language wins.
    body = (
        api(facilitator)
        .get(f"/api/boards/{chinese_board.pk}/model/", HTTP_ACCEPT_LANGUAGE="en")
        .json()
    )

    messages = {f["check"]: f["message"] for f in body["findings"]}
    assert messages["N4"].startswith("命令 “订单已提交” 读起来像事件")
    assert "读起来不像已经发生的事" in messages["N1"]
    assert body["help"]["N1"]["title"] == "事件用完成时"
    assert body["help"]["G2"]["fix"].startswith("补上发出这个命令的参与者")


def test_model_api_checks_are_in_english_for_an_english_board(
    english_board, facilitator
):
    fill(english_board, facilitator)

    body = (
        api(facilitator)
        .get(f"/api/boards/{english_board.pk}/model/", HTTP_ACCEPT_LANGUAGE="zh-hans")
        .json()
    )

    messages = {f["check"]: f["message"] for f in body["findings"]}
    assert "does not read as something that happened" in messages["N1"]
    assert body["help"]["N1"]["title"] == "Events in the past tense"


def glossary(client, board):
    response = client.get(f"/api/boards/{board.pk}/export/", {"format": "markdown"})
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith("GLOSSARY.md")]
        return archive.read(name).decode()


def test_glossary_export_is_in_chinese_for_a_chinese_board(chinese_board, facilitator):
    fill(chinese_board, facilitator)

    text = glossary(api(facilitator), chinese_board)

    assert text.startswith("# 术语表：网店（序号 ")  # noqa: RUF001
    assert "白板 “网店” 的通用语言" in text
    assert "## 未解决的检查项" in text
    assert "| 术语 | 类型 | 代码名 | 含义 |" in text
    assert "命令 “订单已提交” 读起来像事件" in text
    assert "Glossary" not in text


def test_glossary_export_is_in_english_for_an_english_board(english_board, facilitator):
    fill(english_board, facilitator)

    text = glossary(api(facilitator), english_board)

    assert text.startswith("# Glossary: Online shop (the live board at seq ")
    assert "## Open checks" in text
    assert "术语表" not in text


def test_python_package_readme_is_in_chinese_for_a_chinese_board(
    chinese_board, facilitator
):
    fill(chinese_board, facilitator)

    files = model_services.export(chinese_board, "python", package="shop")

    readme = files["README.md"]
    assert "事件风暴工作坊 **网店** 的领域模型" in readme
    assert "## 运行" in readme


def test_a_frozen_version_keeps_its_findings_in_the_boards_language(
    chinese_board, facilitator
):
    fill(chinese_board, facilitator)
    lead = chinese_board.members.get(user=facilitator)

    version, _ = model_services.freeze(chinese_board, lead)

    assert any("读起来像事件" in f["message"] for f in version.findings)


def test_the_board_document_keeps_the_language_through_export_and_import(
    chinese_board, facilitator, make_user
):
    document = transfer.export_board(chinese_board)
    assert document["board"]["language"] == "zh-hans"

    copy = transfer.import_board(
        json.loads(json.dumps(document)), make_user("importer")
    )

    assert copy.language == "zh-hans"


def test_a_document_without_a_language_imports_as_english(chinese_board, make_user):
    document = transfer.export_board(chinese_board)
    del document["board"]["language"]

    assert transfer.import_board(document, make_user("importer")).language == "en"


def test_an_unknown_language_in_a_document_is_refused(chinese_board, make_user):
    document = transfer.export_board(chinese_board)
    document["board"]["language"] = "xx"

    with pytest.raises(Exception, match=r"board\.language must be one of"):
        transfer.import_board(document, make_user("importer"))
