"""resolve_model: files are read as weights only (no code runs without allow_pickle), a model
name never resolves to a file, and every failure is a ValueError / TypeError naming the input."""
import os
import pickle
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bristol import cPSE
from bristol.layers import resolve_model

torch = pytest.importorskip("torch")
nn = torch.nn


class Payload:
    """Unpickling this creates the file ``marker`` (what an attacker's __reduce__ would do)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


def _net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 6), nn.Linear(6, 7), nn.Linear(7, 4))


def _save_evil(path, marker, raw=False):
    if raw:
        path.write_bytes(pickle.dumps(Payload(marker)))
    else:
        torch.save({"0.weight": torch.zeros(6, 5), "x": Payload(marker)}, path)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("raw", [False, True], ids=["torch.save", "plain pickle"])
def test_malicious_file_is_not_executed(tmp_path, monkeypatch, raw):
    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "MARKER"
    _save_evil(tmp_path / "evil.pt", marker, raw)
    for call in (lambda: cPSE.cpse_measure("evil.pt"), lambda: cPSE.cpse_report(Path("evil.pt")),
                 lambda: resolve_model("evil.pt", arch=_net())):
        with pytest.raises(ValueError,
                           match=r"'evil.pt'.*executes code from the file: pass allow_pickle=True \(--allow-pickle"):
            call()
        assert not marker.exists(), "the payload ran"
    # the file is live: the explicit opt-in runs it (then fails: a dict with a non-tensor is no state_dict)
    with pytest.raises((ValueError, TypeError)):
        resolve_model("evil.pt", arch=_net(), allow_pickle=True)
    assert marker.exists()


def test_state_dict_needs_no_opt_in_and_whole_module_does(tmp_path):
    net = _net()
    torch.save(net.state_dict(), tmp_path / "sd.pt")
    torch.save(net, tmp_path / "m.pt")
    for path in (tmp_path / "sd.pt", str(tmp_path / "sd.pt")):
        loaded = resolve_model(path, arch=_net(seed=1))
        assert torch.equal(loaded[2].weight, net[2].weight)
    resnet = resolve_model("resnet18")
    torch.save(resnet.state_dict(), tmp_path / "resnet.pt")
    assert torch.equal(resolve_model(tmp_path / "resnet.pt", arch="resnet18").fc.weight, resnet.fc.weight)
    with pytest.raises(ValueError, match=r"m.pt'.*refers to the Python object torch.nn.modules.container.Sequential"
                                         r".*executes code.*allow_pickle=True"):
        resolve_model(tmp_path / "m.pt")
    whole = resolve_model(tmp_path / "m.pt", allow_pickle=True)
    assert isinstance(whole, nn.Sequential) and torch.equal(whole[1].weight, net[1].weight)
    assert cPSE.cpse_measure(str(tmp_path / "m.pt"), allow_pickle=True) == cPSE.cpse_measure(net)
    assert cPSE.cpse_report(tmp_path / "m.pt", allow_pickle=True).cpse == cPSE.cpse_measure(net)[1]


def test_a_model_name_never_resolves_to_a_file(tmp_path, monkeypatch):
    import torchvision

    monkeypatch.chdir(tmp_path)
    marker = tmp_path / "MARKER"
    _save_evil(tmp_path / "resnet18", marker)
    assert isinstance(resolve_model("resnet18"), torchvision.models.ResNet)
    for path in (Path("resnet18"), "./resnet18", str(tmp_path / "resnet18")):  # a path means the file
        with pytest.raises(ValueError, match="allow_pickle"):
            resolve_model(path)
    assert not marker.exists()


@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore:'torch.load' received a zip file")
def test_missing_and_unreadable_files_name_the_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match=r"no such file: 'missing.pt'"):
        cPSE.cpse_measure("missing.pt")
    with pytest.raises(ValueError, match=r"no such file: 'resnet7'"):
        resolve_model(Path("resnet7"))
    with pytest.raises(ValueError, match=r"unknown model name 'resnet7': not a torchvision model name.*no file"):
        resolve_model("resnet7")
    with pytest.raises(ValueError, match="did you mean resnet18"):
        resolve_model("resnt18")
    (tmp_path / "folder").mkdir()
    with pytest.raises(ValueError, match="not a regular file: 'folder'"):
        resolve_model("folder")
    (tmp_path / "text.pt").write_text("not a model")
    (tmp_path / "empty.pt").write_bytes(b"")
    torch.save(_net().state_dict(), tmp_path / "sd.pt")
    (tmp_path / "cut.pt").write_bytes((tmp_path / "sd.pt").read_bytes()[:300])
    torch.save(torch.ones(3), tmp_path / "tensor.pt")
    torch.jit.save(torch.jit.script(_net()), tmp_path / "script.pt")
    cases = [("text.pt", False, "cannot be read as weights only.*allow_pickle"),
             ("text.pt", True, "cannot read a torch model or state_dict from 'text.pt'.*invalid load key"),
             ("empty.pt", False, "cannot read .* from 'empty.pt': EOFError"),
             ("cut.pt", False, "cannot read .* from 'cut.pt': RuntimeError"),
             ("cut.pt", True, "cannot read .* from 'cut.pt': RuntimeError"),
             ("tensor.pt", False, "'tensor.pt' holds a Tensor, not a torch.nn.Module or a state_dict"),
             ("script.pt", False,
              "'script.pt' cannot be read as weights only: it is a TorchScript archive.*allow_pickle")]
    for name, allow, match in cases:
        with pytest.raises(ValueError, match=match):
            resolve_model(name, allow_pickle=allow)


def test_state_dict_and_argument_errors(tmp_path):
    net = _net()
    sd = net.state_dict()
    torch.save({"model": sd, "epoch": 3}, tmp_path / "ckpt.pt")
    cases = [
        (lambda: resolve_model(sd), ValueError, r"a state_dict needs arch=NAME \(--arch on the command line\)"),
        (lambda: resolve_model(tmp_path / "ckpt.pt", arch=net), TypeError,
         "ckpt.pt' maps 'model' to a OrderedDict value, not a tensor.*checkpoint"),
        (lambda: resolve_model(sd, arch=nn.Sequential(nn.Linear(5, 6))), ValueError,
         "does not fit arch=Sequential.*Unexpected"),
        (lambda: resolve_model(sd, arch="resnet18"), ValueError, "does not fit arch=resnet18"),
        (lambda: resolve_model(sd, arch="resnet7"), ValueError, "arch must be a torchvision model name"),
        (lambda: resolve_model(sd, arch=5), TypeError, "arch must be"),
        (lambda: resolve_model({1: torch.ones(1)}, arch=net), TypeError, "str keys"),
        (lambda: resolve_model(net, arch="vgg11"), ValueError, r"arch \(--arch\) is only for loading a state_dict"),
        (lambda: resolve_model("resnet18", arch="vgg11"), ValueError, "would be ignored"),
        (lambda: resolve_model(net, weights="DEFAULT"), ValueError, r"weights \(--weights\) is only for a torchvision"),
        (lambda: resolve_model(sd, weights="DEFAULT", arch=net), ValueError, "brings its own weights"),
        (lambda: resolve_model("resnet18", weights="bogus"), ValueError,
         r"weights must be None or a weight name of resnet18 \(DEFAULT, IMAGENET1K_V1\)"),
        (lambda: resolve_model("resnet18", weights=5), ValueError, "weight name of resnet18"),
        (lambda: resolve_model(net, allow_pickle="yes"), TypeError, "allow_pickle must be True or False"),
        (lambda: resolve_model(b"resnet18"), TypeError, "model must be a torch.nn.Module"),
    ]
    for call, exc, match in cases:
        with pytest.raises(exc, match=match):
            call()
    assert resolve_model(net) is net and resolve_model(sd, arch=net) is net


_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture])
_objects = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.binary(max_size=20),
                     st.lists(st.integers(), max_size=3),
                     st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
                     st.text(max_size=30))


@_SETTINGS
@given(model=_objects, arch=st.one_of(st.just("a module"), _objects))
def test_resolve_model_boundary_random_objects(tmp_path, model, arch):
    """Random objects and strings (in an empty folder), with random ``arch``: a module or a
    ValueError / TypeError."""
    arch = _net() if arch == "a module" else arch
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            net = resolve_model(model, arch=arch)
        assert isinstance(net, nn.Module)
    except (ValueError, TypeError):
        pass
    finally:
        os.chdir(cwd)


@_SETTINGS
@given(content=st.one_of(st.binary(max_size=200), st.builds(lambda b: b"PK\x03\x04" + b, st.binary(max_size=200))))
def test_resolve_model_boundary_random_files(tmp_path, content):
    """Random file contents: a ValueError naming the file, never another exception."""
    path = tmp_path / "random.pt"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="random.pt"):
        resolve_model(path, arch=_net())


def test_arch_timm_name_and_hf_folder(tmp_path):
    """arch= builds a timm model by name or a transformers model from a folder's config.json
    (never code from the folder), and loads the state_dict into it."""
    timm = pytest.importorskip("timm")
    torch.manual_seed(0)
    vit = timm.create_model("test_vit", pretrained=False)
    assert torch.equal(resolve_model(vit.state_dict(), arch="test_vit").head.weight, vit.head.weight)
    transformers = pytest.importorskip("transformers")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gpt = transformers.GPT2Model(transformers.GPT2Config(n_embd=8, n_head=2, n_layer=1, n_positions=4,
                                                             vocab_size=20))
    gpt.config.save_pretrained(tmp_path)
    loaded = resolve_model(gpt.state_dict(), arch=str(tmp_path))
    assert type(loaded) is type(gpt) and torch.equal(loaded.wte.weight, gpt.wte.weight)
    (tmp_path / "config.json").write_text('{"model_type": "gpt2", "architectures": ["os.system"]}')
    with pytest.raises(ValueError, match="names the architecture 'os.system', which transformers .* does not define"):
        resolve_model(gpt.state_dict(), arch=tmp_path)
    (tmp_path / "config.json").write_text('{"model_type": "gpt2", "auto_map": {"AutoModel": "evil.Model"}, '
                                          '"architectures": ["Model"]}')
    with pytest.raises(ValueError, match="config.json"):
        resolve_model(gpt.state_dict(), arch=tmp_path)
