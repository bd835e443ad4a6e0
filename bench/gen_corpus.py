#!/usr/bin/env python3
"""gen_corpus.py — a deterministic corpus of scraped news articles for benchmarks.

    bench/gen_corpus.py [--articles N] [--outlets M] [--seed S] OUTDIR

Writes OUTDIR/<outlet>/<stem>.txt: N articles across M outlets, each file
2-20 KB, shaped like a text-browser dump of a news page:

- every outlet has its own chrome (skip links, navigation, sign-in, newsletter
  box, footer, copyright) repeated on all its pages, plus per-page chrome that
  varies (related headlines, share buttons, advertisement markers, captions);
- some outlets hard-wrap their text (lynx style, indented), others write one
  paragraph per line;
- articles belong to stories; the quotes of a story's speakers appear across
  outlets with variants (straight or curly quotes and apostrophes, dashes as
  "--", en or em dash, contractions, partial and split quotes);
- a share of the articles are syndicated near-duplicates of an article of
  another outlet: other chrome, another headline, the ending cut.

The same arguments always give byte-identical files (only rng.random() is
used, never hash order). All words come from the lists below; none of the
text is taken from elsewhere. Prints one summary line (files, bytes) and
writes OUTDIR/MANIFEST with the arguments, so a caller can reuse a corpus.
"""
import argparse
import os
import random
import sys

GENERATOR_VERSION = 2

FIRST = """Alma Bram Carys Dario Edda Fenna Goran Hedda Ilse Jorund Kasimir Lotte Marek Nerys
Oskar Petra Quill Rosalind Sten Tamsin Ulla Vidar Wren Xanthe Yusuf Zora Anselm Brigid Cosmo
Dagny Emrys Freya Gideon Halla Isak Juno Kester Linnea Magnus Nadia Orla Piet Rhea Silas Thea
Uriel Vesna Wilmer Ysolde""".split()
LAST = """Fenwick Holt Marsh Calder Brennan Oakley Varga Lindqvist Ashdown Pellegrini Rowntree
Kessler Dunmore Albrecht Quayle Sorensen Trevelyan Mbeki Castellan Drummond Everly Fairweather
Galloway Haverford Ingram Jessop Kilbride Lachance Morrow Northcott Oyelaran Prentice Ravel
Stanhope Tolliver Underhill Vantongeren Whitlock Yardley Zeller""".split()
PLACES = """Ness|Kirkby|Harrowgate|Eastmere|Dunlow|Pellham|Saltcombe|Wyvern Bay|Corrin|Fallowfield|
Greystone|Hollin|Ironbridge|Juniper Vale|Kestrel Point|Larkspur|Moorend|Northwold|Oakhaven|
Quarry Hill|Redmarsh|Stillwater|Thornbury|Upton Lacey|Westhollow|Brackenfield|Cinderford|
Dovecote|Elmstead|Foxley""".replace("\n", "").split("|")
ORGS = """the river authority|the county council|the harbour board|the water company|the transport
office|the health trust|the schools inspectorate|the fire service|the planning committee|the
farmers' union|the chamber of commerce|the weather service|the rail operator|the housing
association|the university|the port police|the library trust|the energy regulator|the
coastguard|the parks department""".replace("\n", " ").split("|")
ROLES = """chairs the river authority|leads the county council|runs the harbour board|is the chief
engineer|speaks for the water company|heads the local school|is a shop owner on the high
street|represents the ward on the council|manages the rail depot|is a nurse at the general
hospital|farms on the edge of town|coaches the youth team|is the fire chief|owns the bakery by
the bridge|teaches history at the college|is the harbour master""".replace("\n", " ").split("|")
NOUNS = """barrier bridge budget ferry harbour library bypass reservoir school clinic market
festival tunnel timetable lighthouse quay orchard bakery depot footpath station canal lock
museum stadium hospital shelter plan survey contract inquiry report petition storm flood tide
drought harvest fire strike election route pier promenade playground allotment cinema theatre
sawmill granary boathouse viaduct slipway aqueduct bandstand foundry tannery creamery kiln
orchestra choir ambulance lifeboat tramway roundabout hedgerow meadow quarry marina""".split()
PLURALS = """families shopkeepers farmers nurses teachers drivers fishermen volunteers pupils
engineers pensioners commuters tenants landlords councillors inspectors builders gardeners
bakers students firefighters ferrymen anglers cyclists walkers""".split()
ADJS = """new old temporary permanent costly modest delayed ambitious controversial popular
narrow wide northern southern coastal rural historic modern emergency annual second final
long-awaited cautious unexpected quiet busy fragile sturdy local regional national crumbling
flooded derelict restored overdue overcrowded unfinished leaking listed disputed""".split()
VERBS = [  # base, past, past participle
    ("approve", "approved", "approved"), ("reject", "rejected", "rejected"), ("delay", "delayed", "delayed"),
    ("open", "opened", "opened"), ("close", "closed", "closed"), ("repair", "repaired", "repaired"),
    ("expand", "expanded", "expanded"), ("review", "reviewed", "reviewed"), ("fund", "funded", "funded"),
    ("cancel", "cancelled", "cancelled"), ("postpone", "postponed", "postponed"),
    ("inspect", "inspected", "inspected"), ("rebuild", "rebuilt", "rebuilt"), ("welcome", "welcomed", "welcomed"),
    ("question", "questioned", "questioned"), ("defend", "defended", "defended"),
    ("announce", "announced", "announced"), ("complete", "completed", "completed"),
    ("extend", "extended", "extended"), ("test", "tested", "tested"), ("sell", "sold", "sold"),
    ("buy", "bought", "bought"), ("move", "moved", "moved"), ("replace", "replaced", "replaced"),
    ("widen", "widened", "widened"), ("shut", "shut", "shut"), ("protect", "protected", "protected"),
    ("rename", "renamed", "renamed"), ("lease", "leased", "leased"), ("survey", "surveyed", "surveyed"),
    ("demolish", "demolished", "demolished"), ("insure", "insured", "insured"),
]
UNITS = "weeks months days years hours seasons".split()
DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
MONTHS = """January February March April May June July August September October November
December""".split()
NUMWORDS = "two three four five six seven eight nine ten eleven twelve twenty fifty".split()

# A small grammar: {slot} is a word from the lists (see fill), or a rule of
# GRAMMAR expanded recursively. Fixed runs are short, so unrelated articles
# share few 5-word runs, as real ones do.
GRAMMAR = {
    "sentence": ["{opening}{subject} {vp} {object}{modifier}."] * 5 + [
        "{subject} said {subject2} would {verb} {object}{modifier}.",
        "{object_cap} was {vpp}{modifier}, according to {source}.",
        "{opening}{num} {plural} {vp} {object}.",
    ],
    "opening": ["", "", "", "On {day}, ", "Last {month}, ", "In {place}, ", "Since {year}, ",
                "After {num} {unit}, ", "By {month}, ", "Earlier this year, ", "Within {num} {unit}, "],
    "subject": ["{org}", "{name}", "the {adj} {noun} trust", "{num} {plural}", "residents of {place}",
                "officials in {place}", "a spokesperson for {org}", "{plural} from {place}",
                "the owner of the {noun}", "{name}, a {adjrole},"],
    "subject2": ["{org}", "the {noun} board", "{plural} in {place}", "{name}"],
    "vp": ["{vpast}", "said they would {verb}", "had {vpp}", "refused to {verb}", "voted to {verb}",
           "agreed to {verb}", "planned to {verb}", "is expected to {verb}", "offered to {verb}",
           "asked {org} to {verb}", "promised to {verb}", "declined to {verb}", "tried to {verb}"],
    "object": ["the {adj} {noun} {prep} {place}", "a {adj} {noun}", "the {noun} near the {noun2}",
               "plans for a {adj} {noun}", "the {noun} on {street}", "{num} {noun} sites",
               "the old {noun} and the {noun2}", "the {noun} {prep} {place}",
               "the {noun} that {plural} use"],
    "object_cap": ["The {adj} {noun} {prep} {place}", "A {adj} {noun}", "The {noun} near the {noun2}",
                   "The {noun} on {street}"],
    "modifier": ["", "", " before {month}", " after a {adj} {noun}", " for {money}",
                 " despite objections from {plural}", " because of the {noun}", " within {num} {unit}",
                 " at a cost of {money}", " while the {noun} is {vpp}", " by a vote of {votes}",
                 " once the {noun2} is {vpp}", " in time for the {noun} season", " as {plural} watched"],
    "source": ["figures seen by this paper", "{org}", "a report by {org}", "{name}", "minutes of the meeting",
               "people familiar with the {noun}"],
    "prep": ["in", "near", "outside", "north of", "south of", "beyond", "at"],
    "street": ["{last} Street", "{last} Road", "the {last} estate", "{place} Lane", "{last} Square"],
    "adjrole": ["retired {noun} keeper", "local {noun} owner", "former councillor", "{noun} engineer",
                "member of the {noun} group"],
    # First-person quotes: each fragment has its own content words, so two
    # stories' quotes share no run of 7 words with two content words.
    "quote": ["{qclause}. {qclause2}", "{qclause}, and {qclause2}", "{qclause} -- {qclause2}",
              "{qclause}", "{qclause}. {qclause2}. {qclause3}"],
    "qclause": ["We are not going to {verb} {place}'s {adj} {noun} until {plural} are heard",
                "{place} has needed a {adj} {noun} near the {noun2} since {year}",
                "I have never seen the {adj} {noun} by the {noun2} so {qadj}",
                "They {vpast} the {noun} on {street} without asking {plural}",
                "We will {verb} the {adj} {noun} by {month} if {org} {qkeeps}",
                "Nobody in {place} should choose between a {adj} {noun} and {noun2} repairs",
                "I do not think {plural} expected the {noun} at {street} {vpp} by {month}",
                "You cannot run a {adj} {noun} on {qadj} {noun2} money and promises",
                "It is a {qadj} {day} for {place} and its {adj} {noun}",
                "We have {vpp} the {noun2} at {street} {num} times and it still {qverb}"],
    "qclause2": ["{qclause}", "{plural} on {street} deserve a {adj} {noun} by {month}",
                 "that is why {org} {vpast} the {adj} {noun}",
                 "ask {plural} who {qverb} near the {adj} {noun2}"],
    "qclause3": ["{qclause}"],
    "qadj": ["full", "empty", "quiet", "busy", "fragile", "expensive", "crowded", "tired", "hopeful"],
    "qverb": ["leaks", "floods", "creaks", "works", "shakes", "fails", "holds", "sinks", "runs late",
              "rattles", "drips", "stalls", "cracks", "wobbles", "smokes"],
    "qkeeps": ["keeps its word", "finds the money", "signs the lease", "backs the plan", "pays up",
               "hires the builders", "agrees the budget", "opens the tender"],
}

CAPTIONS = [
    "The {noun} in {place} on {day} morning",
    "Crews at work on the {noun} near {place}",
    "Residents look at the {adj} {noun} from the {noun2}",
    "{Name} at the {noun} in {place}",
]
CHROME_WORDS = """News Sport Weather Business Politics Culture Opinion Travel Local Obituaries
Puzzles Podcasts Video Photos Events Jobs Property Motors Letters Archive""".split()

CONTRACTIONS = [("We are", "We're"), ("we are", "we're"), ("It is", "It's"), ("it is", "it's"),
                ("do not", "don't"), ("did not", "didn't"), ("I have", "I've"),
                ("cannot", "can't"), ("We will", "We'll"), ("we will", "we'll"),
                ("I do not", "I don't"), ("That is", "That's"), ("that is", "that's")]
DASHES = [" -- ", " \u2014 ", " \u2013 ", "\u2014"]


class Rng:
    """Only rng.random() is used, so output is stable across Python versions."""

    def __init__(self, seed):
        self.r = random.Random(seed)

    def below(self, n):
        return int(self.r.random() * n)

    def chance(self, p):
        return self.r.random() < p

    def pick(self, seq):
        return seq[self.below(len(seq))]

    def between(self, lo, hi):
        return lo + self.below(hi - lo + 1)


def fill(rng, template, **fixed):
    """Fill {slots} of a template; `fixed` pins some of them. A slot naming a
    GRAMMAR rule expands one of its templates; a capitalised slot gives a
    capitalised value."""
    def verb(i):
        return rng.pick(VERBS)[i]

    gen = {
        "org": lambda: rng.pick(ORGS), "noun": lambda: rng.pick(NOUNS),
        "noun2": lambda: rng.pick(NOUNS), "noun3": lambda: rng.pick(NOUNS),
        "plural": lambda: rng.pick(PLURALS), "unit": lambda: rng.pick(UNITS),
        "adj": lambda: rng.pick(ADJS), "adj2": lambda: rng.pick(ADJS),
        "vpast": lambda: verb(1), "verb": lambda: verb(0), "vpp": lambda: verb(2),
        "place": lambda: rng.pick(PLACES), "place2": lambda: rng.pick(PLACES),
        "day": lambda: rng.pick(DAYS), "month": lambda: rng.pick(MONTHS),
        "num": lambda: rng.pick(NUMWORDS), "year": lambda: str(rng.between(1952, 2024)),
        "money": lambda: "%d.%d million pounds" % (rng.between(1, 90), rng.below(10)),
        "votes": lambda: "%d to %d" % (rng.between(5, 12), rng.between(0, 4)),
        "name": lambda: "%s %s" % (rng.pick(FIRST), rng.pick(LAST)),
        "last": lambda: rng.pick(LAST),
    }

    def val(key):
        if key in fixed:
            return fixed[key]
        if key in GRAMMAR:
            return fill(rng, rng.pick(GRAMMAR[key]), **fixed)
        return gen[key]()

    out, i = [], 0
    while True:
        j = template.find("{", i)
        if j < 0:
            out.append(template[i:])
            break
        k = template.index("}", j)
        out.append(template[i:j])
        key = template[j + 1:k]
        v = val(key.lower())
        out.append(v[0].upper() + v[1:] if key[0].isupper() and v else v)
        i = k + 1
    return "".join(out)


def sentence(rng, **fixed):
    s = fill(rng, "{sentence}", **fixed)
    return s[0].upper() + s[1:]


def slug(text, n=6):
    words = "".join(c.lower() if c.isalnum() else " " for c in text).split()
    return "-".join(words[:n])


class Outlet:
    def __init__(self, rng, index):
        a, b = rng.pick(PLACES), rng.pick(["Herald", "Courier", "Gazette", "Post", "Chronicle",
                                           "Mercury", "Echo", "Standard", "Observer", "Tribune",
                                           "Express", "Sentinel", "Packet", "Advertiser"])
        self.name = "The %s %s" % (a, b) if rng.chance(0.3) else "%s %s" % (a, b)
        self.folder = "%s-%02d" % (slug(a + " " + b, 4), index)
        self.wrapped = rng.chance(0.5)   # lynx-style hard-wrapped dump
        self.width = rng.between(68, 78)
        self.curly = rng.chance(0.5)     # typographic quotes and apostrophes
        self.contract = rng.chance(0.5)  # prefers contractions in quotes
        self.dash = rng.pick(DASHES)
        self.date_style = rng.below(4)
        self.title_repeat = rng.chance(0.6)
        nav = []
        for _ in range(rng.between(5, 12)):
            w = rng.pick(CHROME_WORDS)
            if w not in nav:
                nav.append(w)
        self.nav = nav
        self.header = self.make_header(rng)
        self.footer = self.make_footer(rng)

    def make_header(self, rng):
        lines = [rng.pick(["Skip to main content", "Skip to content", "Jump to navigation"])]
        if self.wrapped:
            lines.append("(BUTTON) Menu  (BUTTON) Search")
            lines.append(self.name)
            lines += ["  * " + w for w in self.nav]
        else:
            lines.append(self.name)
            lines.append(" | ".join(self.nav))
        lines.append(rng.pick(["Sign in | Subscribe", "Log in  Register", "Subscribe from 1 pound a week",
                               "My account | Newsletters | Sign out"]))
        if rng.chance(0.5):
            lines.append(rng.pick(["Font Size", "Listen to this article", "Dark mode", "Edition: UK"]))
        return lines

    def make_footer(self, rng):
        year = rng.between(2019, 2026)
        lines = [
            rng.pick(["Sign up for our morning briefing, delivered right in your inbox.",
                      "Get the day's headlines in your inbox every morning.",
                      "Never miss a story: join our free newsletter."]),
            rng.pick(["Enter your email address  (BUTTON) Sign up",
                      "Email address ____  Subscribe",
                      "Your email  (BUTTON) Join"]),
            "Follow us: " + " ".join(w for w in ["Facebook", "Instagram", "Mastodon", "YouTube", "RSS"]
                                     if rng.chance(0.7)),
            "\u00a9 %d %s %s. All rights reserved." % (year, self.name, rng.pick(["Media", "Ltd", "Group", "Newspapers"])),
            " | ".join(w for w in ["About us", "Contact us", "Privacy Policy", "Cookie Settings",
                                   "Terms of Use", "Advertise", "Corrections"] if rng.chance(0.7)),
        ]
        return lines

    def date(self, day, month, year, rng):
        s = self.date_style
        if s == 0:
            return "%s %d, %d" % (MONTHS[month], day, year)
        if s == 1:
            return "%d %s %d" % (day, MONTHS[month][:3], year)
        if s == 2:
            return "%d-%02d-%02d" % (year, month + 1, day)
        return "%s %d %s %d, %d:%02d%s" % (DAYS[(day + month) % 7][:3], day, MONTHS[month], year,
                                           rng.between(1, 12), rng.below(60), rng.pick(["am", "pm"]))


class Story:
    def __init__(self, rng, index):
        self.index = index
        self.noun = rng.pick(NOUNS)
        self.place = rng.pick(PLACES)
        self.adj = rng.pick(ADJS)
        self.org = rng.pick(ORGS)
        self.month = rng.below(12)
        self.day = rng.between(1, 28)
        self.year = rng.between(2024, 2026)
        self.speakers = []
        for _ in range(rng.between(2, 3)):
            name = "%s %s" % (rng.pick(FIRST), rng.pick(LAST))
            self.speakers.append((name, rng.pick(ROLES)))
        self.quotes = []  # (speaker index, canonical text with " -- " dashes, no contractions)
        for _ in range(rng.between(3, 6)):
            q = fill(rng, "{quote}", place=self.place)
            q = q[0].upper() + q[1:]
            self.quotes.append((rng.below(len(self.speakers)), q))

    def headline(self, rng):
        forms = [
            "{Adj} {Noun} in {Place} to Be {Vpast}",
            "{Place} {Noun} {Vpast} After Long Wait",
            "Council Set to {Verb} {Place} {Noun}",
            "What the {Adj} {Noun} Means for {Place}",
            "{Place} Residents Split Over {Noun}",
            "{Noun} Plan for {Place} Faces New Test",
        ]
        t = fill(rng, rng.pick(forms), noun=self.noun, place=self.place, adj=self.adj)
        return " ".join(w[0].upper() + w[1:] for w in t.split())


def render_quote(rng, outlet, text, partial):
    """One quote as this outlet prints it: its dashes, quote marks, contractions."""
    if outlet.contract or rng.chance(0.2):
        for full, short in CONTRACTIONS:
            text = text.replace(full, short)
    text = text.replace(" -- ", outlet.dash)
    if partial:  # a run of words from one sentence of the quote
        sents = text.split(". ")
        words = sents[rng.below(len(sents))].split()
        n = min(len(words), rng.between(4, 9))
        at = rng.below(max(1, len(words) - n + 1))
        text = " ".join(words[at:at + n]).rstrip(".,")
    if outlet.curly:
        text = text.replace("'", "\u2019")
        return "\u201c" + text, "\u201d"
    return '"' + text, '"'


def quote_paragraph(rng, outlet, story, qi):
    si, text = story.quotes[qi]
    name, role = story.speakers[si]
    last = name.split()[1]
    form = rng.below(5)
    if form == 4:  # partial quote inside reported speech
        open_, close = render_quote(rng, outlet, text, True)
        return "%s described the %s as %s%s." % (name, story.noun, open_, close)
    open_, close = render_quote(rng, outlet, text, False)
    if form == 0:
        return "%s,%s said %s, who %s." % (open_, close, name, role)
    if form == 1:
        return "%s, who %s, said: %s.%s" % (name, role, open_, close)
    if form == 2 and ". " in open_:
        first, rest = open_.split(". ", 1)
        oq = open_[0]
        return "%s,%s %s said. %s%s.%s" % (first, close, last, oq, rest, close)
    return "%s,%s %s said." % (open_, close, last)


def wrap(text, width, indent):
    """Hard-wrap one paragraph the way a text browser does."""
    words, lines, cur = text.split(" "), [], indent
    for w in words:
        if len(cur) > len(indent) and len(cur) + 1 + len(w) > width:
            lines.append(cur)
            cur = indent + w
        else:
            cur = cur + (" " if len(cur) > len(indent) else "") + w
    lines.append(cur)
    return lines


class Article:
    """The parts of one article before an outlet's page is put around it."""

    def __init__(self, rng, story, target):
        self.story = story
        self.headline = story.headline(rng)
        self.author = "%s %s" % (rng.pick(FIRST), rng.pick(LAST))
        self.target = target
        self.paras = []  # ("text", s) or ("quote", qi) or ("caption", s)
        order = list(range(len(story.quotes)))
        for i in range(len(order) - 1, 0, -1):
            j = rng.below(i + 1)
            order[i], order[j] = order[j], order[i]
        self.quote_order = order[:rng.between(2, len(order))]
        self.seed = rng.below(1 << 30)


def body_paragraphs(rng, art, outlet):
    """The body of an article, paragraph by paragraph (deterministic per article)."""
    story = art.story
    r = Rng(art.seed)
    paras, size, qn = [], 0, 0
    budget = art.target
    while size < budget:
        if qn < len(art.quote_order) and (len(paras) % 3 == 1):
            p = ("quote", art.quote_order[qn])
            qn += 1
        else:
            n = r.between(2, 5)
            sents = [sentence(r, **({"noun": story.noun} if r.chance(0.3) else {}),
                              **({"place": story.place} if r.chance(0.4) else {}), org=story.org)
                     for _ in range(n)]
            p = ("text", " ".join(sents))
        paras.append(p)
        size += len(p[1]) + 2 if p[0] == "text" else 200
    if r.chance(0.5) and len(paras) > 2:
        cap = fill(r, r.pick(CAPTIONS), noun=story.noun, place=story.place)
        paras.insert(1 + r.below(len(paras) - 1), ("caption", cap))
    return paras


def render_page(rng, art, outlet, others, headline=None, cut=0, via=None):
    """The whole page of one article as `outlet` prints it."""
    story = art.story
    headline = headline or art.headline
    paras = body_paragraphs(rng, art, outlet)
    if cut:
        paras = paras[:max(2, len(paras) - cut)]
    ind = "   " if outlet.wrapped else ""
    out = []

    def para(text, indent=ind):
        if outlet.wrapped:
            out.extend(wrap(text, outlet.width, indent))
        else:
            out.append(indent + text)
        out.append("")

    for line in outlet.header:
        out.append(ind + line)
    out.append("")
    out.append(ind + headline)
    out.append("")
    if outlet.title_repeat:
        out.append(ind + "%s | %s" % (headline, outlet.name))
        out.append("")
    date = outlet.date(story.day, story.month, story.year, rng)
    out.append(ind + ("By %s | %s" % (art.author, date) if rng.chance(0.7) else "By %s" % art.author))
    if rng.chance(0.4):
        out.append(ind + "Updated %d:%02d" % (rng.between(1, 12), rng.below(60)))
    out.append(ind + rng.pick(["Share this article", "Share  Tweet  Email", "(BUTTON) Share", "Save"]))
    out.append("")
    caption_text = None
    for i, (kind, val) in enumerate(paras):
        if kind == "quote":
            s = quote_paragraph(rng, outlet, story, val)
            if outlet.curly:
                s = s.replace("'", "\u2019")
            para(s)
        elif kind == "caption":
            caption_text = "%s (Photo: %s/%s)" % (val, art.author, outlet.name)
            para(caption_text)
        else:
            para(val)
        if i == 2 and rng.chance(0.5):
            out.append(ind + "Advertisement")
            out.append("")
        if i == 4 and others and rng.chance(0.4):
            para("Read more: " + rng.pick(others))
    if caption_text and rng.chance(0.5):  # the caption repeated under a gallery
        para(caption_text)
    if via:
        para("This article first appeared in %s and is republished with permission." % via)
    out.append(ind + rng.pick(["Related stories", "More from %s" % outlet.name, "Most read"]))
    for _ in range(rng.between(2, 5)):
        if others:
            out.append(ind + "  * " + rng.pick(others))
    out.append("")
    for line in outlet.footer:
        out.append(ind + line)
    return "\n".join(out) + "\n"


def fit(text, lo, hi):
    """Keep a page within [lo, hi] bytes: cut whole lines from the middle."""
    data = text.encode("utf-8")
    if len(data) <= hi:
        return data
    lines = text.split("\n")
    head, tail = lines[:12], lines[-12:]
    mid = lines[12:-12]
    while mid and len("\n".join(head + mid + tail).encode("utf-8")) > hi:
        mid = mid[:-4]
    return "\n".join(head + mid + tail).encode("utf-8")


def generate(outdir, n_articles, n_outlets, seed, syndicated=0.08):
    rng = Rng(seed)
    outlets = [Outlet(rng, i) for i in range(n_outlets)]
    n_stories = max(1, n_articles // 6)
    stories = [Story(rng, i) for i in range(n_stories)]
    for o in outlets:
        os.makedirs(os.path.join(outdir, o.folder), exist_ok=True)
    recent = {o.folder: [] for o in outlets}  # each outlet's latest headlines (related links)
    done = []  # (article, outlet, headline) that can be syndicated
    total = 0
    for i in range(n_articles):
        outlet = outlets[rng.below(n_outlets)]
        others = recent[outlet.folder]
        if done and rng.chance(syndicated):
            art, src, hl = done[rng.below(len(done))]
            if src is outlet:
                src = outlets[(outlets.index(outlet) + 1) % n_outlets]
            words = hl.split()
            headline = " ".join(words[:-1] if len(words) > 4 and rng.chance(0.5) else words)
            headline = rng.pick(["", "UPDATE: ", "Watch: "]) + headline
            page = render_page(rng, art, outlet, others, headline=headline,
                               cut=rng.between(1, 3), via=src.name if rng.chance(0.5) else None)
        else:
            target = int(2048 * (10 ** (rng.r.random())))  # log-uniform 2..20 KB
            story = stories[rng.below(n_stories)]
            art = Article(rng, story, max(600, target - 1600))
            headline = art.headline
            page = render_page(rng, art, outlet, others)
            done.append((art, outlet, headline))
            if len(done) > 400:
                done.pop(0)
        data = fit(page, 2048, 20480)
        if len(data) < 2048:  # pad short pages with more related links
            extra = "".join("\n  * " + rng.pick(others or [headline]) for _ in range(60))
            data = fit(page + extra + "\n", 2048, 20480)
        stem = "%d-%02d-%02d-%s-%05d" % (art.story.year, art.story.month + 1, art.story.day,
                                         slug(headline, 5), i)
        with open(os.path.join(outdir, outlet.folder, stem + ".txt"), "wb") as f:
            f.write(data)
        total += len(data)
        others.append(headline)
        if len(others) > 20:
            others.pop(0)
    with open(os.path.join(outdir, "MANIFEST"), "w") as f:
        f.write("generator=%d articles=%d outlets=%d seed=%d bytes=%d\n"
                % (GENERATOR_VERSION, n_articles, n_outlets, seed, total))
    return total


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, default=2000)
    ap.add_argument("--outlets", type=int, default=12)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("outdir")
    a = ap.parse_args(argv)
    if a.articles < 1 or a.outlets < 1:
        ap.error("--articles and --outlets must be positive")
    total = generate(a.outdir, a.articles, a.outlets, a.seed)
    print("gen_corpus: %d articles, %d outlets, %d bytes in %s" % (a.articles, a.outlets, total, a.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
