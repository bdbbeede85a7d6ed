"""Checkpoints read from disk tensor by tensor (bristol.cPSE._checkpoint): the result equals the
in-memory model's, bit for bit; every malformed or hostile file is a ValueError naming it."""
import json
import os
import struct
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bristol import cPSE
from bristol.cPSE import _checkpoint
from bristol.cPSE._checkpoint import (
    natural_key,
    open_checkpoint,
    parse_safetensors_header,
    read_safetensors_header,
)

torch = pytest.importorskip("torch")
nn = torch.nn

_CODES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL",
          torch.complex64: "C64"}


def write_safetensors(path, tensors, header_edit=None):
    """A safetensors file written without the safetensors package; ``header_edit(header)``
    may change the header dict before it is written (to make a bad file)."""
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        raw = t.detach().contiguous().view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""
        header[name] = {"dtype": _CODES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if header_edit is not None:
        header_edit(header)
    text = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))
    return path


def mlp(depth=6, seed=0, sizes=(9, 12, 7, 12, 10, 8, 11)):
    torch.manual_seed(seed)
    return nn.Sequential(*[nn.Linear(sizes[i], sizes[i + 1]) for i in range(depth)])


def assert_same_report(a, b):
    """Bit-identical d_layers and cpse, the same layers in the same order."""
    assert np.array_equal(a.d_layers, b.d_layers) and a.cpse == b.cpse
    assert [(r.name, r.matrix_shape, r.status) for r in a.layers] == [(r.name, r.matrix_shape, r.status)
                                                                      for r in b.layers]


# --- the reader ---------------------------------------------------------------------------------

def test_reader_reads_what_was_written(tmp_path):
    tensors = {"a": torch.randn(3, 4), "b": torch.randn(2, 5).to(torch.bfloat16), "c": torch.arange(6).reshape(2, 3),
               "empty": torch.zeros(0, 3), "d": torch.randn(4, dtype=torch.float64)}
    write_safetensors(tmp_path / "t.safetensors", tensors)
    ckpt = open_checkpoint(tmp_path / "t.safetensors")
    assert list(ckpt.entries) == list(tensors)
    for name, t in tensors.items():
        got = ckpt.read(name)
        assert got.dtype == t.dtype and torch.equal(got, t), name


def test_reader_agrees_with_the_safetensors_package(tmp_path):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    tensors = {"x.weight": torch.randn(5, 3), "y": torch.randn(2, 2).half(), "z": torch.ones(3, dtype=torch.int64)}
    safetensors_torch.save_file(tensors, tmp_path / "s.safetensors", metadata={"format": "pt"})
    ckpt = open_checkpoint(tmp_path / "s.safetensors")
    assert sorted(ckpt.entries) == sorted(tensors)
    for name, t in tensors.items():
        assert torch.equal(ckpt.read(name), t)


def test_natural_order():
    names = ["layers.10.mlp", "layers.2.mlp", "layers.2.attn", "embed", "layers.1.mlp", "head"]
    assert sorted(names, key=natural_key) == ["embed", "head", "layers.1.mlp", "layers.2.attn", "layers.2.mlp",
                                              "layers.10.mlp"]


# --- equal to the model in memory -----------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["safetensors", "torch"])
def test_arch_module_equals_in_memory(tmp_path, fmt):
    net = mlp()
    sd = net.state_dict()
    path = tmp_path / ("m.safetensors" if fmt == "safetensors" else "m.pt")
    write_safetensors(path, sd) if fmt == "safetensors" else torch.save(sd, path)
    report = cPSE.cpse_report(path, arch=mlp(seed=1))
    assert_same_report(report, cPSE.cpse_report(net))
    assert cPSE.cpse_measure(str(path), arch=mlp(seed=1)) == cPSE.cpse_measure(net)
    assert {r.weight_dtype for r in report.used} == {"torch.float32"}


@pytest.mark.filterwarnings("ignore:cPSE skips steps")
def test_tensors_are_read_one_matrix_at_a_time(tmp_path, monkeypatch):
    """Opening and planning read no tensor; each lazy matrix reads its own source when loaded."""
    from bristol.cPSE._pse import LazyMatrix

    reads = []
    read = _checkpoint._read_safetensors_tensor
    monkeypatch.setattr(_checkpoint, "_read_safetensors_tensor", lambda entry: reads.append(entry.name) or read(entry))
    path = write_safetensors(tmp_path / "m.safetensors", mlp().state_dict())
    mats, skipped = _checkpoint.checkpoint_matrices(path, arch=mlp(seed=1))
    assert reads == [] and skipped == [] and all(isinstance(m.matrix, LazyMatrix) for m in mats)
    assert torch.equal(mats[2].matrix.load(), mlp()[2].weight.detach()) and reads == ["2.weight"]


@pytest.mark.filterwarnings("ignore:cPSE skips steps")
def test_natural_order_fallback_warns_and_equals_linear_stack(tmp_path):
    """Without a definition: >= 2-D floating tensors by natural name order, as stored. A
    Sequential of 12 Linear layers then gives its in-memory result (layer 10 after layer 9)."""
    torch.manual_seed(0)
    net = nn.Sequential(*[nn.Linear(6 + i % 3, 6 + (i + 1) % 3) for i in range(12)])
    write_safetensors(tmp_path / "m.safetensors", {**net.state_dict(), "steps": torch.ones(2, 2, dtype=torch.int64)})
    with pytest.warns(UserWarning, match="without a model definition.*natural order.*arch="):
        report = cPSE.cpse_report(tmp_path / "m.safetensors")
    expected = cPSE.cpse_report(net)
    assert np.array_equal(report.d_layers, expected.d_layers)
    assert [r.name for r in report.used] == [f"{i}.weight" for i in range(12)]
    assert [(r.name, r.reason) for r in report.skipped] == [("steps", "not a floating-point tensor (int64)")]


def test_config_without_transformers_falls_back_with_warnings(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)
    write_safetensors(tmp_path / "model.safetensors", mlp().state_dict())
    (tmp_path / "config.json").write_text('{"model_type": "gpt2"}')
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = cPSE.cpse_report(tmp_path)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 2 and "transformers is not installed" in messages[0] and "natural order" in messages[1]
    assert [r.name for r in report.used] == [f"{i}.weight" for i in range(6)]


def test_torch_file_tied_tensors_enter_once(tmp_path):
    net = mlp(depth=4, sizes=(8, 8, 8, 8, 8))
    net[3].weight = net[0].weight  # tied: one storage under two names
    torch.save(net.state_dict(), tmp_path / "tied.pt")
    with pytest.warns(UserWarning, match="natural order"):
        report = cPSE.cpse_report(tmp_path / "tied.pt")
    assert [r.name for r in report.used] == ["0.weight", "1.weight", "2.weight"]
    assert report.used[0].name == "0.weight" and report.layers[0].matrix_shape == (8, 8)


def _tiny_transformers():
    transformers = pytest.importorskip("transformers")
    kw = dict(vocab_size=50, num_hidden_layers=2)
    return {
        "gpt2": transformers.GPT2LMHeadModel(transformers.GPT2Config(n_embd=16, n_head=2, n_positions=8,
                                                                     vocab_size=50, n_layer=2)),
        "llama": transformers.LlamaForCausalLM(transformers.LlamaConfig(
            hidden_size=16, intermediate_size=24, num_attention_heads=4, num_key_value_heads=2,
            tie_word_embeddings=False, **kw)),
        "llama-tied": transformers.LlamaForCausalLM(transformers.LlamaConfig(
            hidden_size=16, intermediate_size=24, num_attention_heads=4, num_key_value_heads=2,
            tie_word_embeddings=True, **kw)),
        "bert": transformers.BertModel(transformers.BertConfig(hidden_size=16, intermediate_size=24,
                                                               num_attention_heads=2, max_position_embeddings=8, **kw)),
    }


@pytest.fixture(scope="module")
def hf_models():
    torch.manual_seed(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _tiny_transformers()


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name", ["gpt2", "llama", "llama-tied", "bert"])
def test_hf_folder_equals_in_memory(tmp_path, hf_models, name):
    """save_pretrained folders (single file, sharded index or its folder) give the in-memory
    model's report bit for bit, with the order and policy of the model (config.json)."""
    model = hf_models[name]
    expected = cPSE.cpse_report(model)
    model.save_pretrained(tmp_path / "one")
    model.save_pretrained(tmp_path / "sharded", max_shard_size="4KB")
    assert (tmp_path / "sharded" / "model.safetensors.index.json").is_file()
    for path in (tmp_path / "one", tmp_path / "sharded", tmp_path / "sharded" / "model.safetensors.index.json"):
        assert_same_report(cPSE.cpse_report(path), expected)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_hf_bf16_and_pytorch_model_bin(tmp_path, hf_models):
    model = hf_models["llama"].to(torch.bfloat16)
    try:
        model.save_pretrained(tmp_path / "bf16")
        report = cPSE.cpse_report(tmp_path / "bf16")
        assert_same_report(report, cPSE.cpse_report(model))
        assert {r.weight_dtype for r in report.used} == {"torch.bfloat16"}
        folder = tmp_path / "bin"
        folder.mkdir()
        (folder / "config.json").write_text((tmp_path / "bf16" / "config.json").read_text())
        torch.save(model.state_dict(), folder / "pytorch_model.bin")
        assert_same_report(cPSE.cpse_report(folder), report)
    finally:
        model.float()


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_hf_folder_as_arch(tmp_path, hf_models):
    model = hf_models["gpt2"]
    model.save_pretrained(tmp_path / "g")
    write_safetensors(tmp_path / "bare.safetensors", {k: v for k, v in model.state_dict().items()
                                                      if k != "lm_head.weight"})
    assert_same_report(cPSE.cpse_report(tmp_path / "bare.safetensors", arch=str(tmp_path / "g")),
                       cPSE.cpse_report(model))


@pytest.mark.slow
def test_torchvision_and_timm_names_as_arch(tmp_path):
    torchvision = pytest.importorskip("torchvision")

    torch.manual_seed(0)
    net = torchvision.models.get_model("shufflenet_v2_x0_5")
    write_safetensors(tmp_path / "tv.safetensors", net.state_dict())
    assert_same_report(cPSE.cpse_report(tmp_path / "tv.safetensors", arch="shufflenet_v2_x0_5"), cPSE.cpse_report(net))
    timm = pytest.importorskip("timm")
    vit = timm.create_model("test_vit", pretrained=False)
    torch.save(vit.state_dict(), tmp_path / "vit.pt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = cPSE.cpse_report(vit)
        assert_same_report(cPSE.cpse_report(tmp_path / "vit.pt", arch="test_vit"), expected)


# --- definitions that do not fit ----------------------------------------------------------------

def test_missing_and_extra_tensors_are_named(tmp_path):
    sd = mlp().state_dict()
    write_safetensors(tmp_path / "short.safetensors", {k: v for k, v in sd.items() if k != "3.weight"})
    with pytest.raises(ValueError, match=r"short.safetensors.*does not fit arch=Sequential: tensors the layers "
                                         r"need are missing: 3.weight \(1\)"):
        cPSE.cpse_report(tmp_path / "short.safetensors", arch=mlp())
    write_safetensors(tmp_path / "long.safetensors", {**sd, "extra.weight": torch.ones(3, 3)})
    with pytest.raises(ValueError, match=r"the file has weights the model does not: extra.weight"):
        cPSE.cpse_report(tmp_path / "long.safetensors", arch=mlp())
    write_safetensors(tmp_path / "shape.safetensors", {**sd, "2.weight": torch.ones(7, 3)})
    with pytest.raises(ValueError, match=r"tensor '2.weight' in .*shape.safetensors' has the shape \(7, 3\); layer 2 "
                                         r"of arch=Sequential expects \(12, 7\)"):
        cPSE.cpse_report(tmp_path / "shape.safetensors", arch=mlp())
    write_safetensors(tmp_path / "int.safetensors", {**sd, "2.weight": torch.ones(12, 7, dtype=torch.int8)})
    with pytest.raises(ValueError, match=r"tensor '2.weight' in .*int.safetensors' has the dtype int8: layer 2 "
                                         "needs a floating-point weight"):
        cPSE.cpse_report(tmp_path / "int.safetensors", arch=mlp())
    write_safetensors(tmp_path / "nan.safetensors", {**sd, "4.weight": torch.full((8, 10), float("nan"))})
    with pytest.raises(ValueError, match=r"layer 4 has NaN or Inf weights"):
        cPSE.cpse_report(tmp_path / "nan.safetensors", arch=mlp())


def test_state_dict_file_for_the_wrong_arch(tmp_path):
    pytest.importorskip("torchvision")
    torch.save({"weight": torch.zeros(3, 3)}, tmp_path / "sd.pt")
    with pytest.raises(ValueError, match=r"the state_dict in '.*sd.pt' does not fit arch=mobilenet_v3_small"):
        cPSE.cpse_report(tmp_path / "sd.pt", arch="mobilenet_v3_small")
    with pytest.raises(ValueError, match="arch must be a torchvision model name, a timm model name, a Hugging Face"):
        cPSE.cpse_report(tmp_path / "sd.pt", arch="no-such-arch")


def test_legacy_and_example_input_need_a_module(tmp_path):
    write_safetensors(tmp_path / "m.safetensors", mlp().state_dict())
    with pytest.raises(ValueError, match="legacy=True needs the model in memory"):
        cPSE.cpse_report(tmp_path / "m.safetensors", legacy=True)
    with pytest.raises(ValueError, match="example_input needs the model in memory"):
        cPSE.cpse_measure(tmp_path / "m.safetensors", example_input=torch.zeros(1, 9))
    with pytest.raises(ValueError, match="brings its own weights"):
        cPSE.cpse_report(tmp_path / "m.safetensors", weights="DEFAULT")
    torch.save(mlp().state_dict(), tmp_path / "m.pt")  # a torch.save file keeps the in-memory path
    assert cPSE.cpse_report(tmp_path / "m.pt", arch=mlp(seed=2), legacy=True).cpse == \
        cPSE.cpse_report(mlp(), legacy=True).cpse


# --- untrusted files ------------------------------------------------------------------------------

def _edit(field, value, name="0.weight"):
    def edit(header):
        header[name][field] = value
    return edit


def _raw(path, body, declared=None):
    """A file of ``body`` after a header length (default: the body's length)."""
    path.write_bytes(struct.pack("<Q", len(body) if declared is None else declared) + body)


BAD_FILES = {
    "short": (lambda p: p.write_bytes(b"\x01\x02"), r"shorter than the 8-byte header length"),
    "header beyond file": (lambda p: _raw(p, b"{}", 1000), r"declares a header of 1000 bytes, more than the 2"),
    "huge header": (lambda p: _raw(p, b"{}", 2**63), r"declares a header of 9223372036854775808 bytes"),
    "bad json": (lambda p: _raw(p, b"{bad}"), r"header is not valid JSON"),
    "not utf-8": (lambda p: _raw(p, b"\xff\xfe"), r"header is not valid JSON"),
    "deep json": (lambda p: _raw(p, b"[" * 100000 + b"]" * 100000), r"header is not valid JSON"),
    "list header": (lambda p: _raw(p, b"[]"), r"header is a JSON list, not an object"),
    "duplicate key": (lambda p: _raw(p, b'{"__metadata__": {}, "__metadata__": {}}'),
                      r"not valid JSON: the JSON object names '__metadata__' twice"),
    "unknown dtype": (_edit("dtype", "Q9"), r"tensor '0.weight' has the dtype 'Q9'"),
    "bad shape": (_edit("shape", [3, -1]), r"tensor '0.weight' has the shape \[3, -1\]"),
    "bool shape": (_edit("shape", [True, 2]), r"tensor '0.weight' has the shape"),
    "shape vs bytes": (_edit("shape", [12, 10]),
                       r"tensor '0.weight' declares the shape \(12, 10\) of F32 \(480 bytes\) but data_offsets of 432"),
    "huge tensor": (_edit("shape", [2**40, 2**40]), r"declares the shape \(1099511627776, 1099511627776\)"),
    "beyond file": (_edit("data_offsets", [10**12, 10**12 + 432]), r"tensor '0.weight' has bytes \[1000000000000, "),
    "reversed offsets": (_edit("data_offsets", [432, 0]), r"data_offsets \[432, 0\], not \[begin, end\]"),
    "overlap": (_edit("data_offsets", [4, 340], "1.weight"), r"the bytes of tensor '0.weight' and tensor '1.weight' "
                                                              "overlap"),
    "extra field": (_edit("extra", 1), r"tensor '0.weight' must be an object with the fields"),
    "bad metadata": (lambda h: h.update(__metadata__={"a": 1}), r"__metadata__ must map str to str"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_malformed_safetensors_are_named_value_errors(tmp_path, case):
    make, match = BAD_FILES[case]
    path = tmp_path / "bad.safetensors"
    if make.__name__ == "edit" or case == "bad metadata":
        write_safetensors(path, mlp(depth=2).state_dict(), header_edit=make)
    else:
        make(path)
    with pytest.raises(ValueError, match="bad.safetensors") as info:
        cPSE.cpse_report(path, arch=mlp(depth=2))
    assert info.match(match)


def test_truncated_after_parsing_is_named(tmp_path):
    path = write_safetensors(tmp_path / "m.safetensors", mlp().state_dict())
    ckpt = open_checkpoint(path)
    os.truncate(path, path.stat().st_size - 10)
    with pytest.raises(ValueError, match=r"tensor '5.bias' in .*m.safetensors': the file ended after"):
        ckpt.read("5.bias")


def _sharded(folder, weight_map_edit=None, tensors=None):
    """A two-shard safetensors checkpoint of mlp() in ``folder``."""
    folder.mkdir(exist_ok=True)
    sd = tensors if tensors is not None else mlp().state_dict()
    keys = list(sd)
    halves = {"a.safetensors": keys[: len(keys) // 2], "b.safetensors": keys[len(keys) // 2:]}
    for name, part in halves.items():
        write_safetensors(folder / name, {k: sd[k] for k in part})
    weight_map = {k: name for name, part in halves.items() for k in part}
    if weight_map_edit is not None:
        weight_map_edit(weight_map)
    index = folder / "model.safetensors.index.json"
    index.write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    return index


def test_sharded_equals_in_memory(tmp_path):
    index = _sharded(tmp_path / "ok")
    for path in (index, tmp_path / "ok"):
        assert_same_report(cPSE.cpse_report(path, arch=mlp(seed=3)), cPSE.cpse_report(mlp()))


def test_index_cannot_leave_its_folder(tmp_path):
    outside = write_safetensors(tmp_path / "outside.safetensors", {"0.weight": torch.ones(2, 2)})
    escape = "outside its folder: the files of a checkpoint must lie in"
    cases = {
        "dotdot": (lambda m: m.update({"0.weight": "../outside.safetensors"}), escape),
        "absolute": (lambda m: m.update({"0.weight": str(outside)}), escape),
        "missing": (lambda m: m.update({"0.weight": "c.safetensors"}), "'c.safetensors', which is missing"),
        "not a name": (lambda m: m.update({"0.weight": 5}), "names the file 5, not a file name"),
        "wrong shard": (lambda m: m.update({"0.weight": "b.safetensors"}), "puts tensor '0.weight' in 'b.safetensors', "
                                                                           "which does not hold it"),
    }
    for case, (edit, match) in cases.items():
        index = _sharded(tmp_path / case.replace(" ", "_"), edit)
        with pytest.raises(ValueError, match=match):
            cPSE.cpse_report(index, arch=mlp())
    link_dir = tmp_path / "link"
    index = _sharded(link_dir, lambda m: m.update({"0.weight": "l.safetensors"}))
    os.symlink(outside, link_dir / "l.safetensors")
    with pytest.raises(ValueError, match=r"names the file 'l.safetensors', a link to .*outside.safetensors' outside"):
        cPSE.cpse_report(index, arch=mlp())
    (tmp_path / "esc").mkdir()
    os.symlink(outside, tmp_path / "esc" / "model.safetensors")  # a model folder's own file, linked out of it
    with pytest.raises(ValueError, match="a link to .* outside its folder"):
        cPSE.cpse_report(tmp_path / "esc", arch=mlp())
    (tmp_path / "esc" / "model.safetensors").unlink()
    write_safetensors(tmp_path / "esc" / "model.safetensors", mlp().state_dict())
    os.symlink(tmp_path / "outside.safetensors", tmp_path / "esc" / "config.json")  # read nothing outside
    with pytest.raises(ValueError, match="names the file 'config.json', a link to .* outside its folder"):
        cPSE.cpse_report(tmp_path / "esc")
    os.mkfifo(tmp_path / "pipe.safetensors")  # would block a reader
    with pytest.raises(ValueError, match="not a regular file: .*pipe.safetensors"):
        cPSE.cpse_report(tmp_path / "pipe.safetensors")


def test_hugging_face_cache_links_into_blobs(tmp_path):
    """In <repo>/snapshots/<revision>, files are links into <repo>/blobs (the cache's layout):
    read; a link anywhere else is refused."""
    repo = tmp_path / "models--tiny"
    (repo / "blobs").mkdir(parents=True)
    snapshot = repo / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    write_safetensors(repo / "blobs" / "f00d", mlp().state_dict())
    os.symlink(os.path.join("..", "..", "blobs", "f00d"), snapshot / "model.safetensors")
    assert_same_report(cPSE.cpse_report(snapshot, arch=mlp(seed=1)), cPSE.cpse_report(mlp()))
    (snapshot / "model.safetensors").unlink()
    write_safetensors(repo / "elsewhere", mlp().state_dict())
    os.symlink(repo / "elsewhere", snapshot / "model.safetensors")
    with pytest.raises(ValueError, match="a link to .*elsewhere' outside its folder"):
        cPSE.cpse_report(snapshot, arch=mlp())


def test_index_duplicates_and_bad_json(tmp_path):
    index = _sharded(tmp_path / "dup")
    write_safetensors(tmp_path / "dup" / "b.safetensors", {**mlp().state_dict()})  # b repeats a's tensors
    with pytest.raises(ValueError, match=r"tensor '0.weight' is in two shards, .*a.safetensors' and .*b.safetensors'"):
        cPSE.cpse_report(index, arch=mlp())
    for text, match in (("{", "index.json .* is not valid JSON"), ("[]", "has no weight_map"),
                        ('{"weight_map": {}}', "has no weight_map")):
        index.write_text(text)
        with pytest.raises(ValueError, match=match):
            cPSE.cpse_report(index, arch=mlp())
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="the folder .*empty' holds no weights: expected one of model.safetensors"):
        cPSE.cpse_report(tmp_path / "empty")


def test_bad_config_json(tmp_path):
    pytest.importorskip("transformers")
    folder = tmp_path / "hf"
    folder.mkdir()
    write_safetensors(folder / "model.safetensors", mlp().state_dict())
    cases = {"{not json": "config.json .*config.json' is not valid JSON",
             "[1, 2]": "holds a list, not a JSON object",
             '{"model_type": "no-such-model"}': "is not a configuration transformers .* can build",
             '{"model_type": "gpt2", "architectures": ["EvilModel"]}': "names the architecture 'EvilModel', which "
                                                                       "transformers .* does not define",
             '{"model_type": "gpt2", "n_embd": -3}': "cannot build the model of config.json|not a configuration"}
    for text, match in cases.items():
        (folder / "config.json").write_text(text)
        with pytest.raises(ValueError, match=match):
            cPSE.cpse_report(folder)


_SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
_json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(-5, 2**70), st.floats(),
                                      st.sampled_from(["F32", "BF16", "I8", "Q9", "shape", "dtype"])),
                            lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                    st.dictionaries(st.sampled_from(["dtype", "shape", "data_offsets",
                                                                                     "x"]), inner, max_size=4)),
                            max_leaves=12)
_entries = st.fixed_dictionaries({"dtype": st.sampled_from(["F32", "F16", "I64", "BOOL", "Z"]),
                                  "shape": st.lists(st.integers(-1, 6), max_size=3),
                                  "data_offsets": st.lists(st.integers(-1, 200), min_size=2, max_size=2)})


@_SETTINGS
@given(header=st.dictionaries(st.text(max_size=4), st.one_of(_entries, _json_values), max_size=4),
       data_size=st.integers(0, 300))
def test_header_parser_random_headers(header, data_size):
    """Random headers: a ValueError, or entries that fit the data without overlapping."""
    try:
        parsed = parse_safetensors_header(json.dumps(header).encode(), data_size)
    except ValueError:
        return
    spans = sorted((b, e) for _, _, b, e in parsed.values() if e > b)
    assert all(e <= data_size for _, e in spans)
    assert all(b2 >= e1 for (_, e1), (b2, _) in zip(spans, spans[1:]))


@_SETTINGS
@given(content=st.one_of(st.binary(max_size=300),
                         st.builds(lambda n, b: struct.pack("<Q", n) + b, st.integers(0, 2**64 - 1),
                                   st.binary(max_size=200))))
def test_header_reader_random_files(tmp_path, content):
    path = tmp_path / "random.safetensors"
    path.write_bytes(content)
    try:
        entries = read_safetensors_header(path)
    except ValueError as err:
        assert "random.safetensors" in str(err)
        return
    size = len(content)
    assert all(e.start + e.nbytes <= size for e in entries.values())


def test_no_allocation_of_the_declared_size(tmp_path, monkeypatch):
    """The declared size is checked against the file before any buffer is made."""
    made = []
    monkeypatch.setattr(_checkpoint, "bytearray", lambda n: made.append(n) or bytearray(n), raising=False)
    path = write_safetensors(tmp_path / "h.safetensors", {"w": torch.ones(3, 3)},
                             header_edit=_edit("shape", [2**30, 2**30], "w"))
    with pytest.raises(ValueError, match="declares the shape"):
        cPSE.cpse_report(path)
    assert made == []
