"""XMILE files other tools read despite small defects, and module instances that reuse a name."""
import warnings

import numpy as np
import pytest

import engine
from engine.errors import ModelError, ModelWarning

NS = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"
HEAD = f'<?xml version="1.0"?>\n<xmile version="1.0" xmlns="{NS}">\n' \
       "<sim_specs><start>0</start><stop>10</stop><dt>1</dt></sim_specs>\n<model><variables>\n"
TEACUP = ('<stock name="tea"><eqn>180</eqn><outflow>loss</outflow></stock>\n'
          '<flow name="loss"><eqn>(tea - room) / 10</eqn></flow>\n'
          '<aux name="room"><eqn>70</eqn></aux>\n')
TAIL = "</variables></model>\n</xmile>\n"


def load(tmp_path, text, name="m.xmile"):
    p = tmp_path / name
    p.write_text(text)
    return engine.load(p)


@pytest.mark.parametrize("broken, closed", [
    (TEACUP.replace("</aux>", ""), '<aux name="room"> (opened on line 7) before </variables> on line 8'),
    (TEACUP.replace("(tea - room) / 10</eqn>", "(tea - room) / 10"), "<eqn> (opened on line 6) before </flow>"),
    (TEACUP.replace("</outflow></stock>", "</outflow>"), '<stock name="tea"> (opened on line 5) before <flow>'),
])
def test_an_unclosed_element_is_read_with_a_warning_saying_what_was_closed(tmp_path, broken, closed):
    good = load(tmp_path, HEAD + TEACUP + TAIL, "good.xmile").run()["tea"]
    with pytest.warns(ModelWarning) as seen:
        m = load(tmp_path, HEAD + broken + TAIL)
    message = str(seen[0].message)
    assert "m.xmile" in message and "not well-formed" in message and closed in message, message
    assert np.array_equal(m.run()["tea"], good)


def test_the_file_left_unclosed_at_its_end_is_closed_there(tmp_path):
    with pytest.warns(ModelWarning, match="at the end of the file"):
        m = load(tmp_path, HEAD + TEACUP + "</variables></model>\n")
    assert m.run()["tea"][1, 0] == 169


def test_a_well_formed_file_gives_no_warning(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(tmp_path, HEAD + TEACUP + TAIL)


def test_other_xml_defects_stay_errors(tmp_path):
    with pytest.raises(ModelError, match="not an XML file"):
        load(tmp_path, HEAD + TEACUP + "</stock>" + TAIL)       # a closing tag nothing opened


def test_nested_module_instances_may_reuse_a_name(tmp_path):
    """Model 'outer' holds an instance 'a' of 'inner', and is itself instantiated as 'a'."""
    text = (HEAD + '<module name="a" model="outer"/>\n<aux name="total"><eqn>a.a.level</eqn></aux>\n'
            "</variables></model>\n"
            '<model name="outer"><variables><module name="a" model="inner"/></variables></model>\n'
            '<model name="inner"><variables><stock name="level"><inflow>fill</inflow><eqn>0</eqn></stock>'
            '<flow name="fill"><eqn>2</eqn></flow></variables></model>\n</xmile>\n')
    r = load(tmp_path, text).run()
    assert r["total"][:, 0].tolist() == [2.0 * k for k in range(11)]


def test_an_unknown_encoding_in_the_declaration_is_named(tmp_path):
    with pytest.raises(ModelError, match=r"m.xmile: the file declares an encoding that is not known \(unknown "
                                         r"encoding: ut-8\)"):
        load(tmp_path, HEAD.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="ut-8"?>') + TEACUP + TAIL)


def test_a_dimension_too_large_is_refused_before_it_is_expanded(tmp_path):
    text = HEAD.replace("<model>", '<dimensions><dim name="D" size="1000000000"/></dimensions>\n<model>') + \
        '<aux name="v"><dimensions><dim name="D"/></dimensions><eqn>1</eqn></aux>' + TAIL
    with pytest.raises(ModelError, match=r"in 'D': dimension 'D' has 1,000,000,000 elements; a dimension may have "
                                         r"at most 100,000"):
        load(tmp_path, text)
