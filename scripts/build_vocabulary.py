"""Build ``hhikit/describe/data/vocabulary.json`` (and its similarity matrix) from public taxonomies.

Run from the repository root with the shared data beside the checkout::

    PYTHONPATH=$PWD python scripts/build_vocabulary.py [--shared ../shared/data]

Every vocabulary entry records where it came from: the taxonomy file, the id (or line)
and the raw label read from that file, so the provenance can be checked by re-running
this script. The phrase forms (``_ shaking hands with _``) and tags are written here by
hand from the public class definitions; the taxonomy files are read to confirm that every
cited label exists (a mismatch stops the build). Waldo and Wenda labels are never read:
they are the test set.

The similarity matrix (``vocabulary_sim.npz``) is the mean of two cosine similarities
between entries, both from packaged models: GloVe 6B 50-d between the verbs (second
word) and all-MiniLM-L6-v2 between the phrases with ``_`` read as "person". The default
describer uses it to choose answers that are closest, in expectation, to the whole
distribution of plausible interactions (minimum Bayes risk decoding).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "hhikit" / "describe" / "data"

# ---------------------------------------------------------------- canonical entries
# text -> (prior, tags, synonyms). The prior is a general-knowledge weight of how often an
# interaction is the point of a photograph of two people (1 = ordinary; staples of event
# photography - ceremonies, sport, performances, handshakes - higher; plain conversation,
# which taxonomies list in many near-synonyms, lower; rare or odd taxonomy verbs lowest). Tags connect entries to cue rules.
CANON: dict[str, tuple[float, list[str], list[str]]] = {
    "_ shaking hands with _": (
        3.0,
        ["hands", "touch", "facing", "formal", "greet"],
        ["handshake", "hand shake", "shaking"],
    ),
    "_ hugging _": (2.0, ["embrace", "touch", "close"], ["hug", "embracing"]),
    "_ kissing _": (1.0, ["face_close", "embrace", "close", "romance"], ["kiss"]),
    "_ fighting with _": (1.0, ["fight", "touch", "sport", "close"], ["fight", "hitting", "hit"]),
    "_ punching _": (0.5, ["fight", "sport", "arm_extended"], ["punch", "boxing"]),
    "_ kicking _": (0.4, ["fight", "sport"], ["kick"]),
    "_ pushing _": (0.5, ["fight", "touch", "arm_extended"], ["push", "shoving"]),
    "_ grabbing _": (0.5, ["touch", "fight", "arm_extended"], ["grab", "seizing"]),
    "_ giving something to _": (2.0, ["give", "hands", "facing"], ["give", "serve", "handing"]),
    "_ taking something from _": (0.8, ["give", "hands", "facing"], ["take", "receiving"]),
    "_ clapping for _": (1.0, ["celebrate", "apart", "watch"], ["hand clap", "applauding"]),
    "_ waving to _": (0.8, ["apart", "arm_raised", "greet"], ["hand wave", "wave"]),
    "_ lifting _": (0.5, ["lift", "touch", "sport"], ["lift"]),
    "_ listening to _": (0.8, ["talk", "apart", "facing", "look"], ["listen"]),
    "_ singing to _": (0.6, ["performance", "music"], ["sing"]),
    "_ talking to _": (1.5, ["talk", "facing", "apart", "look"], ["talk", "chatting", "conversing"]),
    "_ watching _": (1.5, ["look", "apart"], ["watch", "observing"]),
    "_ carrying _": (0.6, ["lift", "touch", "stacked"], ["carry"]),
    "_ greeting _": (1.5, ["greet", "hands", "facing", "formal"], ["greet", "welcoming"]),
    "_ holding _": (0.8, ["touch", "embrace"], ["hold"]),
    "_ licking _": (0.05, ["face_close"], ["lick"]),
    "_ stabbing _": (0.05, ["fight"], ["stab"]),
    "_ tagging out _": (0.2, ["sport", "object:baseball glove", "object:baseball bat"], ["tag"]),
    "_ teaching _": (1.0, ["teach", "talk", "look"], ["teach", "instructing"]),
    "_ looking at _": (1.2, ["look", "apart"], ["look", "gazing"]),
    "_ cutting _'s hair": (0.2, ["touch", "object:scissors"], ["cut", "haircut"]),
    "_ admiring _": (0.6, ["look"], ["admire"]),
    "_ arranging something with _": (0.3, ["work"], ["arrange"]),
    "_ asking _ a question": (0.5, ["talk", "facing"], ["ask", "questioning"]),
    "_ assembling something with _": (0.3, ["work"], ["assemble", "building"]),
    "_ signing an autograph for _": (0.8, ["give", "text:autograph", "object:book"], ["autograph", "signing"]),
    "_ baptizing _": (0.2, ["ceremony", "religion"], ["baptize"]),
    "_ buying something from _": (0.4, ["give", "object:handbag"], ["buy"]),
    "_ coaching _": (1.0, ["teach", "sport", "talk"], ["coach"]),
    "_ communicating with _": (0.3, ["talk"], ["communicate"]),
    "_ crowning _": (0.3, ["ceremony", "arm_raised", "award"], ["crown"]),
    "_ distributing something to _": (0.4, ["give"], ["distribute", "handing out"]),
    "_ dousing _ with water": (0.1, ["sport", "celebrate", "object:bottle"], ["douse", "drenching"]),
    "_ dragging _": (0.2, ["touch", "lying"], ["drag"]),
    "_ educating _": (0.3, ["teach", "talk"], ["educate"]),
    "_ encouraging _": (0.6, ["talk", "touch"], ["encourage", "cheering on"]),
    "_ examining _": (0.5, ["look", "touch", "medical"], ["examine", "checking"]),
    "_ filming _": (0.4, ["look", "apart", "object:cell phone"], ["film", "recording"]),
    "_ flinging _": (0.1, ["fight", "lift"], ["fling", "throwing"]),
    "_ helping _": (1.2, ["touch", "lying", "stacked"], ["help", "assisting"]),
    "_ ignoring _": (0.2, ["apart"], ["ignore"]),
    "_ imitating _": (0.2, ["look"], ["imitate", "mimicking"]),
    "_ instructing _": (0.8, ["teach", "talk"], ["instruct"]),
    "_ interviewing _": (1.5, ["talk", "facing", "object:microphone", "text:interview", "text:news"], ["interview"]),
    "_ lecturing _": (0.4, ["teach", "talk", "apart"], ["lecture"]),
    "_ loading something with _": (0.2, ["work"], ["load"]),
    "_ nagging _": (0.1, ["talk"], ["nag"]),
    "_ offering something to _": (0.8, ["give", "hands"], ["offer"]),
    "_ operating on _": (0.2, ["medical", "lying"], ["operate", "surgery"]),
    "_ patting _": (0.5, ["touch", "arm_on_shoulder"], ["pat"]),
    "_ pinning a medal on _": (
        1.0,
        ["ceremony", "award", "touch", "facing", "formal", "text:medal"],
        ["pin", "decorating"],
    ),
    "_ pitching to _": (
        0.3,
        ["sport", "object:baseball glove", "object:baseball bat", "object:sports ball"],
        ["pitch"],
    ),
    "_ plunging _ into water": (0.1, ["religion"], ["plunge", "dunking"]),
    "_ providing something to _": (0.3, ["give"], ["provide", "supplying"]),
    "_ reassuring _": (0.4, ["touch", "talk", "arm_on_shoulder"], ["reassure", "comforting"]),
    "_ selling something to _": (0.4, ["give"], ["sell"]),
    "_ serving food to _": (0.5, ["give", "object:dining table", "object:bowl", "object:cup"], ["serve", "serving"]),
    "_ socializing with _": (1.0, ["talk", "apart", "object:wine glass", "object:cup"], ["socialize", "mingling"]),
    "_ speaking to _": (1.0, ["talk", "facing", "object:microphone"], ["speak", "addressing"]),
    "_ tickling _": (0.1, ["touch", "close"], ["tickle"]),
    "_ training _": (0.6, ["teach", "sport"], ["train"]),
    "_ unloading something with _": (0.2, ["work"], ["unload"]),
    "_ videotaping _": (0.3, ["look", "apart"], ["videotape"]),
    "_ wheeling _": (0.2, ["stacked", "object:chair"], ["wheel", "pushing a wheelchair"]),
    "_ walking with _": (1.5, ["walk", "side_by_side"], ["walk", "strolling"]),
    "_ yelling at _": (0.3, ["talk", "fight", "facing"], ["yell", "shouting"]),
    "_ pointing at _": (0.4, ["arm_extended", "apart"], ["point"]),
    "_ giving a high five to _": (0.6, ["hands", "arm_raised", "celebrate", "sport"], ["high five", "highfive"]),
    # General-knowledge additions (the paper's phrase examples and staples of news, sport
    # and ceremony photographs); each is the target of a cue rule below in the describer.
    "_ giving an award to _": (
        2.5,
        ["ceremony", "award", "give", "hands", "formal", "text:award"],
        ["presenting an award", "awarding"],
    ),
    "_ receiving an award from _": (
        1.2,
        ["ceremony", "award", "give", "hands", "formal", "text:award"],
        ["accepting an award"],
    ),
    "_ presenting something to _": (2.0, ["ceremony", "give", "hands", "formal"], ["present", "presenting"]),
    "_ congratulating _": (1.2, ["ceremony", "hands", "greet", "celebrate", "formal"], ["congratulate"]),
    "_ posing for a photo with _": (2.5, ["pose", "side_by_side", "arm_on_shoulder", "formal"], ["posing", "pose"]),
    "_ putting an arm around _": (1.0, ["arm_on_shoulder", "embrace", "side_by_side", "pose"], ["arm around"]),
    "_ holding hands with _": (0.8, ["hands", "side_by_side", "romance"], ["holding hands"]),
    "_ dancing with _": (1.0, ["embrace", "performance", "music", "close"], ["dance"]),
    "_ performing with _": (
        2.0,
        ["performance", "music", "side_by_side", "object:microphone"],
        ["perform", "on stage"],
    ),
    "_ playing music with _": (0.8, ["performance", "music"], ["playing music", "band"]),
    "_ wrestling with _": (1.2, ["fight", "sport", "close", "touch", "lying"], ["wrestle"]),
    "_ boxing with _": (0.6, ["fight", "sport", "arm_extended"], ["box", "sparring"]),
    "_ competing with _": (1.5, ["sport", "apart"], ["compete", "racing"]),
    "_ playing soccer with _": (1.0, ["sport", "object:sports ball", "ball_low"], ["football", "soccer"]),
    "_ playing basketball with _": (1.0, ["sport", "object:sports ball", "ball_high"], ["basketball"]),
    "_ playing tennis with _": (0.4, ["sport", "object:tennis racket"], ["tennis"]),
    "_ playing baseball with _": (0.4, ["sport", "object:baseball bat", "object:baseball glove"], ["baseball"]),
    "_ playing frisbee with _": (0.2, ["sport", "object:frisbee"], ["frisbee"]),
    "_ riding horses with _": (0.4, ["sport", "object:horse"], ["horse riding"]),
    "_ racing bicycles with _": (0.5, ["sport", "object:bicycle", "apart"], ["cycling", "bike race"]),
    "_ skiing with _": (0.4, ["sport", "object:skis", "object:snowboard"], ["ski"]),
    "_ surfing with _": (0.2, ["sport", "object:surfboard"], ["surf"]),
    "_ skateboarding with _": (0.2, ["sport", "object:skateboard"], ["skateboard"]),
    "_ cutting a cake with _": (0.5, ["celebrate", "object:cake", "object:knife", "text:wedding"], ["cake cutting"]),
    "_ toasting with _": (0.5, ["celebrate", "object:wine glass", "object:cup", "object:bottle"], ["toast", "cheers"]),
    "_ eating with _": (
        0.6,
        ["object:dining table", "object:pizza", "object:sandwich", "object:fork", "sit"],
        ["dining", "having a meal"],
    ),
    "_ sitting with _": (
        1.2,
        ["sit", "side_by_side", "object:chair", "object:couch", "object:bench"],
        ["sit", "seated"],
    ),
    "_ reading with _": (0.3, ["object:book", "sit", "look"], ["read"]),
    "_ taking a selfie with _": (0.5, ["pose", "object:cell phone", "close"], ["selfie"]),
    "_ sharing an umbrella with _": (0.3, ["object:umbrella", "side_by_side", "close"], ["umbrella"]),
    "_ saluting _": (1.0, ["salute", "formal", "military", "facing"], ["salute"]),
    "_ saluting with _": (0.8, ["salute", "formal", "military", "side_by_side"], ["salute together"]),
    "_ raising the hand of _": (
        0.6,
        ["arm_raised", "celebrate", "sport", "hands"],
        ["raising the arm", "declaring the winner"],
    ),
    "_ celebrating with _": (1.0, ["celebrate", "arm_raised", "embrace"], ["celebrate", "cheering"]),
    "_ signing an agreement with _": (
        0.8,
        ["formal", "sit", "text:agreement", "object:book", "object:dining table"],
        ["signing", "treaty"],
    ),
    "_ meeting with _": (1.5, ["talk", "formal", "greet", "facing"], ["meet", "meeting"]),
    "_ briefing _": (0.6, ["talk", "military", "formal"], ["brief"]),
    "_ marrying _": (0.4, ["ceremony", "romance", "text:wedding", "close"], ["wedding", "getting married"]),
    "_ escorting _": (0.4, ["walk", "side_by_side", "touch"], ["escort"]),
    "_ feeding _": (0.2, ["give", "face_close"], ["feed"]),
}

# ---------------------------------------------------------------- provenance tables
# taxonomy label (as read) -> canonical text
AVA: dict[int, str] = {
    64: "_ fighting with _", 65: "_ giving something to _", 66: "_ grabbing _", 67: "_ clapping for _",
    68: "_ shaking hands with _", 69: "_ waving to _", 70: "_ hugging _", 71: "_ kicking _", 72: "_ kissing _",
    73: "_ lifting _", 74: "_ listening to _", 75: "_ playing with _", 76: "_ pushing _", 77: "_ singing to _",
    78: "_ taking something from _", 79: "_ talking to _", 80: "_ watching _",
}  # fmt: skip
HICO: dict[str, str] = {
    "carry": "_ carrying _", "greet": "_ greeting _", "hold": "_ holding _", "hug": "_ hugging _",
    "kiss": "_ kissing _", "lick": "_ licking _", "stab": "_ stabbing _", "tag": "_ tagging out _",
    "teach": "_ teaching _",
}  # fmt: skip
VCOCO: dict[str, str] = {
    "hold": "_ holding _", "look": "_ looking at _", "carry": "_ carrying _", "cut": "_ cutting _'s hair",
}  # fmt: skip
IMSITU: dict[str, str] = {
    "admiring": "_ admiring _", "arranging": "_ arranging something with _", "asking": "_ asking _ a question",
    "assembling": "_ assembling something with _", "autographing": "_ signing an autograph for _",
    "baptizing": "_ baptizing _", "buying": "_ buying something from _", "carrying": "_ carrying _",
    "clapping": "_ clapping for _", "coaching": "_ coaching _", "communicating": "_ communicating with _",
    "crowning": "_ crowning _", "distributing": "_ distributing something to _", "dousing": "_ dousing _ with water",
    "dragging": "_ dragging _", "educating": "_ educating _", "encouraging": "_ encouraging _",
    "examining": "_ examining _", "filming": "_ filming _", "flinging": "_ flinging _",
    "giving": "_ giving something to _", "helping": "_ helping _", "ignoring": "_ ignoring _",
    "imitating": "_ imitating _", "instructing": "_ instructing _", "interviewing": "_ interviewing _",
    "lecturing": "_ lecturing _", "loading": "_ loading something with _", "nagging": "_ nagging _",
    "offering": "_ offering something to _", "operating": "_ operating on _", "patting": "_ patting _",
    "pinning": "_ pinning a medal on _", "pitching": "_ pitching to _", "plunging": "_ plunging _ into water",
    "providing": "_ providing something to _", "pushing": "_ pushing _", "reassuring": "_ reassuring _",
    "selling": "_ selling something to _", "serving": "_ serving food to _", "shaking": "_ shaking hands with _",
    "socializing": "_ socializing with _", "speaking": "_ speaking to _", "talking": "_ talking to _",
    "teaching": "_ teaching _", "tickling": "_ tickling _", "training": "_ training _",
    "unloading": "_ unloading something with _", "videotaping": "_ videotaping _", "wheeling": "_ wheeling _",
}  # fmt: skip
# Small public class lists, written from their published definitions.
ICCCI: dict[str, str] = {
    "asks": "_ asking _ a question", "gives to": "_ giving something to _", "talks to": "_ talking to _",
    "walks with": "_ walking with _", "watches": "_ watching _", "yells at": "_ yelling at _",
}  # fmt: skip
UT_INTERACTION: dict[str, str] = {
    "hand-shaking": "_ shaking hands with _", "hugging": "_ hugging _", "kicking": "_ kicking _",
    "pointing": "_ pointing at _", "punching": "_ punching _", "pushing": "_ pushing _",
}  # fmt: skip
TVHI: dict[str, str] = {
    "handshake": "_ shaking hands with _", "highfive": "_ giving a high five to _", "hug": "_ hugging _",
    "kiss": "_ kissing _",
}  # fmt: skip
GENERAL_NOTE = "hhikit general-knowledge addition (news, sport and ceremony photographs; the paper's phrase form)"


def _ava(shared: Path) -> dict[int, str]:
    out: dict[int, str] = {}
    for line in (shared / "taxonomies" / "ava_label_map.txt").read_text().splitlines():
        m = re.match(r"\s*(\d+):\s*(.+)", line)
        if m:
            out[int(m.group(1))] = m.group(2).strip()
    return out


def _hico_person_verbs(shared: Path) -> set[str]:
    d = json.loads((shared / "hicodet" / "instances_test2015.json").read_text())
    person = d["objects"].index("person")
    return {d["verbs"][v] for _, o, v in d["correspondence"] if o == person} - {"no_interaction"}


def _vcoco_person_verbs(shared: Path) -> set[str]:
    d = json.loads((shared / "vcoco" / "instances_vcoco_test.json").read_text())
    person = d["objects"].index("person")
    return {c.split()[0] for c, objs in zip(d["classes"], d["action_to_object"]) if person in objs}


def _imsitu_verbs(shared: Path) -> set[str]:
    ids = (shared / "imsitu_hhi" / "imsitu-hhi.txt").read_text().split()
    return {i.rsplit("_", 1)[0] for i in ids}


def build(shared: Path) -> list[dict]:
    prov: dict[str, list[dict]] = {t: [] for t in CANON}

    def add(text: str, src: dict) -> None:
        if text not in CANON:
            return  # e.g. AVA "play with kids": not a canonical adult interaction here
        prov[text].append(src)

    ava = _ava(shared)
    for i, text in AVA.items():
        if i in ava:  # the file keeps the 60-class subset; absent ids are skipped honestly
            add(text, {"taxonomy": "AVA v2.2", "file": "taxonomies/ava_label_map.txt", "id": i, "label": ava[i]})
    hico = _hico_person_verbs(shared)
    missing = set(HICO) - hico
    if missing:
        raise SystemExit(f"HICO-DET: {sorted(missing)} are not person-object verbs in the file")
    for v in sorted(hico):
        if v in HICO:
            add(HICO[v], {"taxonomy": "HICO-DET", "file": "hicodet/instances_test2015.json", "label": f"{v} person"})
    vc = _vcoco_person_verbs(shared)
    for v in sorted(vc):
        if v in VCOCO:
            add(VCOCO[v], {"taxonomy": "V-COCO", "file": "vcoco/instances_vcoco_test.json", "label": f"{v} obj=person"})
    ims = _imsitu_verbs(shared)
    if set(IMSITU) != ims:
        raise SystemExit(f"imSitu-HHI verbs differ from the file: {sorted(ims ^ set(IMSITU))}")
    for v in sorted(ims):
        add(IMSITU[v], {"taxonomy": "imSitu-HHI", "file": "imsitu_hhi/imsitu-hhi.txt", "label": v})
    for name, table in (
        ("ICCCI video HHI", ICCCI),
        ("UT-Interaction", UT_INTERACTION),
        ("TV Human Interactions", TVHI),
    ):
        for lab, text in table.items():
            add(text, {"taxonomy": name, "file": None, "label": lab})
    entries = []
    for text, (prior, tags, syn) in CANON.items():
        src = prov[text] or [{"taxonomy": "general", "file": None, "label": GENERAL_NOTE}]
        entries.append(
            {"text": text, "verb": text.split()[1], "prior": prior, "tags": tags, "synonyms": syn, "sources": src}
        )
    return entries


def similarity(texts: list[str]) -> np.ndarray:
    """Mean of GloVe verb cosine and MiniLM phrase cosine between every pair of entries."""
    import pandas as pd
    from sentence_transformers import SentenceTransformer

    from hhikit.models.store import resolve

    g = resolve("glove-6b-50d").root
    words = pd.read_parquet(g / "glove_6B_index.parquet")["index"].tolist()
    index = {w: i for i, w in enumerate(words)}
    emb = np.load(g / "glove_6B_50d_emb.npy", mmap_mode="r")
    verbs = [t.split()[1] for t in texts]
    gv = np.stack([np.asarray(emb[index[v]]) if v in index else np.zeros(50, np.float32) for v in verbs])
    gv = gv / np.maximum(np.linalg.norm(gv, axis=1, keepdims=True), 1e-8)
    st = SentenceTransformer(str(resolve("minilm").root), device="cpu")
    sv = st.encode([t.replace("_", "person") for t in texts], normalize_embeddings=True)
    return ((gv @ gv.T + sv @ sv.T) / 2).astype(np.float32)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = ap.parse_args()
    entries = build(args.shared)
    OUT.mkdir(parents=True, exist_ok=True)
    doc = {
        "about": "HHI vocabulary of hhikit: canonical interactions with synonyms, priors, cue tags and "
        "provenance. Generated by scripts/build_vocabulary.py; do not edit by hand.",
        "entries": entries,
    }
    (OUT / "vocabulary.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    texts = [e["text"] for e in entries]
    np.savez_compressed(OUT / "vocabulary_sim.npz", texts=np.array(texts), sim=similarity(texts).astype(np.float16))
    n_tax = sum(any(s["taxonomy"] != "general" for s in e["sources"]) for e in entries)
    print(f"wrote {len(entries)} entries ({n_tax} from taxonomies) to {OUT}")


if __name__ == "__main__":
    main()
