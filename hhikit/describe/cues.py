"""Cues: observable facts about a pair or an image, each speaking for some vocabulary tags.

A cue is a short human-readable name (``"hands meet between them"``) and tag weights
(``{"hands": 1.5, "touch": 0.5}``) that are added to the log-score of every vocabulary
entry carrying the tag. Pose cues read COCO-17 keypoints (BlazePose-33 is converted);
image cues read detected objects and scene text. All thresholds are in units of the
people's own size (box height), so they hold at any image resolution.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hhikit.boxes import box_iou as iou
from hhikit.keypoints import (
    BLAZEPOSE33_TO_COCO17,
    LANK,
    LEAR,
    LELB,
    LEYE,
    LHIP,
    LKNE,
    LSHO,
    LWRI,
    NOSE,
    RANK,
    REAR,
    RELB,
    REYE,
    RHIP,
    RKNE,
    RSHO,
    RWRI,
    coco17_keypoints,
)
from hhikit.types import DetectedObject, Person

# COCO-17 indices and the BlazePose -> COCO-17 table live in ``hhikit.keypoints`` (once).
POSE33_TO_COCO17 = list(BLAZEPOSE33_TO_COCO17)
MIN_KP = 0.3


@dataclass
class Cue:
    name: str
    tags: dict[str, float] = field(default_factory=dict)


coco17 = coco17_keypoints  # the one "COCO-17 keypoints of a person" (hhikit.keypoints)


class Body:
    """Keypoint helpers for one person; every point may be missing (None)."""

    def __init__(self, p: Person) -> None:
        self.p = p
        self.kp = coco17(p)
        x1, y1, x2, y2 = p.box
        self.h = max(1.0, float(y2 - y1))
        self.w = max(1.0, float(x2 - x1))
        self.cx = float(x1 + x2) / 2

    def pt(self, i: int) -> np.ndarray | None:
        if self.kp is None or self.kp[i, 2] < MIN_KP:
            return None
        return self.kp[i, :2]

    def mid(self, i: int, j: int) -> np.ndarray | None:
        a, b = self.pt(i), self.pt(j)
        if a is None or b is None:
            return a if b is None else b
        return (a + b) / 2

    @property
    def scale(self) -> float:
        """Body size: shoulder-to-hip length x 2.2 when seen, else the box height."""
        s, h = self.mid(LSHO, RSHO), self.mid(LHIP, RHIP)
        if s is not None and h is not None and self.pt(LSHO) is not None and self.pt(LHIP) is not None:
            return max(self.h * 0.3, float(np.linalg.norm(s - h)) * 2.2)
        f = self.p.face
        if f is not None and self.kp is None:
            return max(self.h * 0.3, float(f[3] - f[1]) * 6.0)
        return self.h

    def head(self) -> np.ndarray | None:
        n = self.pt(NOSE)
        if n is not None:
            return n
        n = self.mid(LEYE, REYE)
        if n is not None:
            return n
        if self.p.face is not None:
            f = self.p.face
            return np.array([(f[0] + f[2]) / 2, (f[1] + f[3]) / 2], dtype=np.float32)
        return None

    def wrists(self) -> list[np.ndarray]:
        pts = [self.pt(LWRI), self.pt(RWRI)]
        pts = [w for w in pts if w is not None]
        for hand in self.p.hands:  # hand landmarks (from a hand model) count as wrists too
            h = np.asarray(hand).reshape(-1, 3)
            if len(h):
                pts.append(h[0, :2])
        return pts

    def facing_dx(self) -> float | None:
        """Which way the head turns in the image: >0 right, <0 left, ~0 frontal (in face widths)."""
        n = self.pt(NOSE)
        eyes = self.mid(LEYE, REYE)
        ears = [self.pt(LEAR), self.pt(REAR)]
        if n is None:
            return None
        if eyes is None and all(e is None for e in ears):
            return None
        ref_pts = [e for e in ears if e is not None]
        if len(ref_pts) == 2:
            ref = (ref_pts[0] + ref_pts[1]) / 2
            width = max(2.0, float(abs(ref_pts[0][0] - ref_pts[1][0])))
            return float((n[0] - ref[0]) / width)
        if len(ref_pts) == 1:  # one ear hidden: a profile, facing away from the visible ear
            return float(np.sign(n[0] - ref_pts[0][0]))
        return 0.0


def _dist(a: np.ndarray | None, b: np.ndarray | None) -> float:
    if a is None or b is None:
        return float("inf")
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)))


def pose_cues_one(b: Body, who: str) -> list[Cue]:
    """Cues about one person of the pair (salute, raised arms, lying, sitting)."""
    out: list[Cue] = []
    s = b.scale
    head = b.head()
    for _side, w_i, e_i, s_i in (("left", LWRI, LELB, LSHO), ("right", RWRI, RELB, RSHO)):
        w, e, sh = b.pt(w_i), b.pt(e_i), b.pt(s_i)
        if w is None or head is None:
            continue
        # Salute: the hand at the brow, the elbow out to the side near shoulder height.
        if e is not None and sh is not None and _dist(w, head) < 0.12 * s and w[1] <= head[1] + 0.03 * s \
                and abs(e[0] - sh[0]) > 0.08 * s and e[1] < sh[1] + 0.12 * s:  # fmt: skip
            out.append(Cue(f"{who} holds a hand at the brow (salute pose)", {"salute": 2.5, "military": 0.5}))
            break
    raised = [w for w in (b.pt(LWRI), b.pt(RWRI)) if w is not None and head is not None and w[1] < head[1] - 0.05 * s]
    if raised:
        out.append(Cue(f"{who} raises {'both arms' if len(raised) == 2 else 'an arm'}",
                       {"arm_raised": 1.0, "celebrate": 0.6 if len(raised) == 2 else 0.3}))  # fmt: skip
    sm, hm = b.mid(LSHO, RSHO), b.mid(LHIP, RHIP)
    if sm is not None and hm is not None:
        v = hm - sm
        if abs(v[0]) > 1.2 * abs(v[1]):
            out.append(
                Cue(f"{who} is lying or bent over (torso near horizontal)", {"lying": 1.5, "fight": 0.6, "sport": 0.3})
            )
        k = b.mid(LKNE, RKNE)
        if k is not None and abs(v[1]) > 1e-3 and (k[1] - hm[1]) < 0.25 * abs(v[1]) and abs(v[0]) < abs(v[1]):
            out.append(Cue(f"{who} is seated (thighs horizontal)", {"sit": 1.2}))
        la, ra, ls, rs = b.pt(LANK), b.pt(RANK), b.pt(LSHO), b.pt(RSHO)
        if la is not None and ra is not None and ls is not None and rs is not None \
                and abs(la[0] - ra[0]) > 2.2 * max(abs(ls[0] - rs[0]), 0.08 * b.scale):  # fmt: skip
            out.append(Cue(f"{who} stands in a wide athletic stance", {"sport": 0.8, "fight": 0.4}))
        if abs(v[0]) > 0.5 * abs(v[1]) and abs(v[0]) <= 1.2 * abs(v[1]):
            out.append(Cue(f"{who} leans forward (torso inclined)", {"sport": 0.5, "fight": 0.4, "lying": 0.3}))
    elif b.kp is None and b.w > 1.4 * b.h:
        out.append(Cue(f"{who}'s box is wide and low (lying?)", {"lying": 0.8, "fight": 0.3}))
    return out


def pair_cues(pa: Person, pb: Person) -> list[Cue]:
    """Cues about how two people stand to each other."""
    A, B = Body(pa), Body(pb)
    s = (A.scale + B.scale) / 2
    out: list[Cue] = []
    d = abs(A.cx - B.cx) / s
    ov = iou(pa.box, pb.box)
    # Distance and overlap.
    if ov > 0.35:
        out.append(Cue("bodies overlap strongly", {"close": 1.0, "embrace": 0.8, "fight": 0.4, "touch": 0.4}))
    elif d > 1.1:
        out.append(
            Cue("standing apart (more than a body length)", {"apart": 1.0, "look": 0.3, "talk": 0.3, "touch": -0.8})
        )
    elif d < 0.55:
        out.append(Cue("standing close together", {"close": 0.6, "touch": 0.3, "side_by_side": 0.2}))
    # Hands.
    wa, wb = A.wrists(), B.wrists()
    hand_d = min((_dist(x, y) for x in wa for y in wb), default=float("inf"))
    sa, sb = A.mid(LSHO, RSHO), B.mid(LSHO, RSHO)
    ha, hb = A.mid(LHIP, RHIP), B.mid(LHIP, RHIP)
    head_a, head_b = A.head(), B.head()
    if hand_d < 0.12 * s:
        meet = (np.mean([x for x in wa], axis=0) + np.mean([y for y in wb], axis=0)) / 2 if wa and wb else None
        between = meet is not None and min(A.cx, B.cx) - 0.05 * s <= meet[0] <= max(A.cx, B.cx) + 0.05 * s
        high = meet is not None and head_a is not None and head_b is not None and meet[1] < min(head_a[1], head_b[1])
        waist = meet is not None and sa is not None and sb is not None and meet[1] > max(sa[1], sb[1]) + 0.05 * s
        if high:
            out.append(Cue("joined hands raised above the heads", {"arm_raised": 1.5, "celebrate": 1.0, "hands": 1.0}))
        elif between and waist:
            out.append(
                Cue("hands meet between them at waist height", {"hands": 1.8, "greet": 0.8, "give": 0.5, "touch": 0.5})
            )
        else:
            out.append(Cue("hands meet", {"hands": 1.2, "touch": 0.6}))
    # Hand on the other's shoulder / back: an arm around someone.
    for X, Y, who in ((A, B, "A"), (B, A, "B")):
        shoulders = [Y.pt(LSHO), Y.pt(RSHO)]
        near = min((_dist(w, sh) for w in X.wrists() for sh in shoulders), default=float("inf"))
        if near < 0.1 * s:
            out.append(
                Cue(
                    f"{who}'s hand rests on the other's shoulder",
                    {"arm_on_shoulder": 1.8, "embrace": 0.6, "pose": 0.6, "touch": 0.5},
                )
            )
            break
    # Heads.
    if head_a is not None and head_b is not None:
        hd = _dist(head_a, head_b) / s
        if hd < 0.16:
            # cheek to cheek is more often a hug or a posed photo than a kiss
            out.append(Cue("faces almost touching", {"face_close": 1.2, "embrace": 1.0, "pose": 0.5, "romance": 0.3}))
    # Facing each other vs both facing the camera.
    fa, fb = A.facing_dx(), B.facing_dx()
    if fa is not None and fb is not None:
        left, right = (fa, fb) if A.cx < B.cx else (fb, fa)
        if left > 0.15 and right < -0.15:
            out.append(Cue("turned towards each other", {"facing": 1.0, "greet": 0.3, "look": 0.2, "pose": -0.5}))
        elif abs(fa) < 0.15 and abs(fb) < 0.15 and d < 1.2:
            out.append(Cue("both face the camera side by side", {"side_by_side": 1.0, "pose": 1.0, "facing": -0.4}))
        elif (left < -0.15 and right < -0.15) or (left > 0.15 and right > 0.15):
            # Looking the same way: not an exchange between them but a shared activity.
            out.append(Cue("both look the same way", {"side_by_side": 0.6, "walk": 0.6, "performance": 0.6, "look": 0.3,
                                                      "sport": 0.3, "facing": -0.5}))  # fmt: skip
    elif pa.face is not None and pb.face is not None and A.kp is None:
        fh = ((pa.face[3] - pa.face[1]) + (pb.face[3] - pb.face[1])) / 2
        fdist = _dist(A.head(), B.head())
        if fdist < 1.3 * fh:
            out.append(Cue("faces almost touching", {"face_close": 1.5, "embrace": 0.8}))
        elif abs(A.head()[1] - B.head()[1]) < 0.5 * fh and fdist < 4 * fh:
            out.append(Cue("faces side by side at the same height", {"side_by_side": 0.8, "pose": 0.8}))
    # Arm stretched towards the other (giving, pointing, pushing).
    for X, Y, who in ((A, B, "A"), (B, A, "B")):
        sh = X.mid(LSHO, RSHO)
        for w in X.wrists():
            if sh is None:
                continue
            reach = (w[0] - sh[0]) * np.sign(Y.cx - X.cx) / s
            if reach > 0.28 and abs(w[1] - sh[1]) < 0.25 * s:
                out.append(
                    Cue(f"{who} stretches an arm towards the other", {"arm_extended": 1.0, "give": 0.6, "hands": 0.3})
                )
                break
        else:
            continue
        break
    # One above the other (carrying, lifting) or one much lower (seated, kneeling, child).
    if ha is not None and hb is not None and abs(A.cx - B.cx) < 0.35 * s and abs(ha[1] - hb[1]) > 0.35 * s:
        out.append(Cue("one person is held above the other", {"stacked": 1.2, "lift": 1.0, "touch": 0.5}))
    if min(A.h, B.h) < 0.55 * max(A.h, B.h) and d < 1.0:
        out.append(
            Cue(
                "one person is much lower (seated, kneeling or a child)",
                {"sit": 0.5, "helping": 0.3, "stacked": 0.3, "teach": 0.3},
            )
        )
    return out


SPORT_OBJECTS = {"sports ball", "tennis racket", "baseball bat", "baseball glove", "skis", "snowboard", "surfboard",
                 "skateboard", "frisbee", "kite", "bicycle", "horse"}  # fmt: skip
TABLE_OBJECTS = {
    "dining table",
    "cup",
    "wine glass",
    "bottle",
    "fork",
    "knife",
    "spoon",
    "bowl",
    "pizza",
    "cake",
    "sandwich",
}


def object_cues(objects: list[DetectedObject], people: list[Person], region: np.ndarray | None = None) -> list[Cue]:
    """Context objects near the pair (or anywhere when no region): each votes for its tag."""
    out: list[Cue] = []
    seen: set[str] = set()
    for o in sorted(objects, key=lambda o: -o.score):
        if o.label == "person" or o.label in seen or o.score < 0.3:
            continue
        near = 1.0
        if region is not None:
            x1, y1, x2, y2 = region
            pad = 0.5 * max(x2 - x1, y2 - y1)
            ox, oy = (o.box[0] + o.box[2]) / 2, (o.box[1] + o.box[3]) / 2
            if not (x1 - pad <= ox <= x2 + pad and y1 - pad <= oy <= y2 + pad):
                near = 0.5  # elsewhere in the scene: still context, weaker
        seen.add(o.label)
        tags = {f"object:{o.label}": 3.0 * min(1.0, o.score + 0.2)}  # a seen object is strong evidence (~20x)
        if o.label in SPORT_OBJECTS:
            tags["sport"] = 0.6
        if o.label in TABLE_OBJECTS:
            tags["sit"] = 0.3
            tags["celebrate"] = 0.2
        if o.label == "sports ball" and people:
            heads = [Body(p).head() for p in people]
            heads = [h for h in heads if h is not None]
            oy = (o.box[1] + o.box[3]) / 2
            if heads and oy < min(h[1] for h in heads):
                tags["ball_high"] = 1.0
            elif heads:
                tags["ball_low"] = 1.0
        if o.label == "tie":
            tags = {"formal": 0.8}
        where = "" if near == 1.0 else ", away from the pair"
        out.append(Cue(f"{o.label} in view ({o.score:.2f}{where})", {t: w * near for t, w in tags.items()}))
    return out


# Scene-text words -> tags (general knowledge of captions on photos, banners and scoreboards).
TEXT_WORDS: dict[str, dict[str, float]] = {
    "award": {"award": 1.5, "ceremony": 0.8}, "awards": {"award": 1.5, "ceremony": 0.8},
    "prize": {"award": 1.2, "ceremony": 0.6}, "medal": {"award": 1.0, "ceremony": 0.6},
    "trophy": {"award": 1.2, "celebrate": 0.5}, "champion": {"sport": 0.8, "celebrate": 0.8, "award": 0.5},
    "champions": {"sport": 0.8, "celebrate": 0.8, "award": 0.5}, "championship": {"sport": 1.0, "award": 0.3},
    "olympic": {"sport": 1.0}, "olympics": {"sport": 1.0}, "cup": {"sport": 0.6}, "final": {"sport": 0.5},
    "league": {"sport": 0.8}, "fc": {"sport": 0.8, "ball_low": 0.5}, "nba": {"sport": 1.0, "ball_high": 1.0},
    "wedding": {"text:wedding": 1.5, "romance": 0.8, "celebrate": 0.5}, "bride": {"text:wedding": 1.5, "romance": 0.8},
    "interview": {"text:interview": 1.5}, "news": {"text:news": 1.0, "talk": 0.3}, "live": {"talk": 0.3, "performance": 0.3},
    "tv": {"talk": 0.3}, "concert": {"performance": 1.2, "music": 0.8}, "festival": {"performance": 0.8, "music": 0.5},
    "tour": {"performance": 0.5}, "music": {"music": 1.0, "performance": 0.5},
    "agreement": {"text:agreement": 1.5, "formal": 0.5}, "treaty": {"text:agreement": 1.5, "formal": 0.5},
    "summit": {"formal": 0.8, "greet": 0.5}, "conference": {"formal": 0.6, "talk": 0.5},
    "army": {"military": 1.0, "salute": 0.5}, "navy": {"military": 1.0, "salute": 0.5},
    "military": {"military": 1.0, "salute": 0.5}, "marines": {"military": 1.0, "salute": 0.5},
    "church": {"religion": 1.0, "ceremony": 0.5}, "welcome": {"greet": 1.0}, "congratulations": {"celebrate": 1.0, "award": 0.5},
    "graduation": {"ceremony": 1.0, "award": 0.8}, "race": {"sport": 0.8}, "marathon": {"sport": 0.8, "walk": 0.3},
    "wrestling": {"fight": 1.0, "sport": 0.8}, "boxing": {"fight": 1.0, "sport": 0.8},
}  # fmt: skip


def text_cues(words: list[str]) -> list[Cue]:
    """Scene-text cues: recognised words that shift the priors."""
    out: list[Cue] = []
    seen: set[str] = set()
    for w in words:
        for tok in "".join(c.lower() if c.isalnum() else " " for c in w).split():
            if tok in TEXT_WORDS and tok not in seen:
                seen.add(tok)
                out.append(Cue(f'scene text "{tok}"', dict(TEXT_WORDS[tok])))
    return out


def scene_cues(image: np.ndarray) -> list[Cue]:
    """Cheap whole-image cues: a dark scene (stage lighting) and a grass field (sport)."""
    import cv2

    if image.ndim != 3 or image.shape[0] < 8 or image.shape[1] < 8:
        return []
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
    out: list[Cue] = []
    dark = float((hsv[..., 2] < 50).mean())
    if dark > 0.45:
        out.append(
            Cue(f"dark scene, {dark:.0%} of pixels (stage or night lighting)", {"performance": 0.8, "music": 0.5})
        )
    low = hsv[hsv.shape[0] // 2 :]
    grass = float(((low[..., 0] >= 35) & (low[..., 0] <= 85) & (low[..., 1] > 70) & (low[..., 2] > 50)).mean())
    if grass > 0.3:
        out.append(Cue(f"grass field in the lower half ({grass:.0%})", {"sport": 0.8, "walk": 0.2}))
    return out


def crowd_cues(n_people: int) -> list[Cue]:
    if n_people >= 5:
        return [
            Cue(
                f"{n_people} people in view (a group)", {"performance": 0.4, "pose": 0.3, "ceremony": 0.3, "sport": 0.2}
            )
        ]
    return []
