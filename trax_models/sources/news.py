"""The default corpus's generator: news-style articles with reference summaries, from templates.

A synthetic, deterministic (seeded) corpus of short news articles of six event types (sports,
earnings, storms, elections, court cases, science) written from sentence templates with varied
wording, fictional entities and random numbers: a summarization task a small Transformer can
learn on 2 CPU cores within ``make train``, offline. It is NOT real news.

* The summary (since v8) is the article's 2–4 key sentences, copied in its order: the task is
  to find the sentences that carry the event and copy them whole, which carries over to other
  text (up to v7 it was one fixed template per event type: the model learned to fill six
  templates, and on other text wrote one of them with invented slot values).
* Each key sentence has 4–7 wordings (active, passive, the figure or the loser first, a "Final
  score:" line); the key sentences sit among distractor sentences about other names, places
  and numbers — in a NEWS_ORDER share first (as news puts the event first), else anywhere.
* Names, places, clubs, firms, products and storms are half from lists, half coined
  (``entities.NOVEL``): a model has to copy them, not memorise them.
* Articles are 20–600 words (mean ≈140), so a ≈2k subword vocabulary covers them and examples
  fit in 512 tokens.

Pure functions of a seed (``generate_pair``, ``generate_corpus``); nothing here touches the
disk — ``trax_models.sources.corpus`` writes and caches the corpus.
"""
import random
import string

from trax_models.sources.entities import (
    CHARGES,
    CITIES,
    COMPANY_A,
    COMPANY_B,
    DAYS,
    FINDINGS,
    JOURNALS,
    MASCOTS,
    PARTIES,
    PLACES,
    QUARTERS,
    REGIONS,
    STORMS,
    city,
    coined,
    coined_place,
    coined_plural,
    distinct,
    people,
    pick,
    product,
)

GENERATOR_VERSION = 9       # bump when generate_pair changes: the cache is keyed on it
DEFAULT_SIZES = {"train": 20_000, "validation": 1_000, "test": 1_000}
DEFAULT_BACKGROUND = (3, 6)   # distractor sentences per article: mean ≈140 words
MIN_WORDS = 40                # no article is shorter (the short ones, SHORT of them) ...
BARE_MIN_WORDS = 20           # ... except the bare ones (BARE of them: no opening at all)
USUAL_MIN_WORDS = 80          # other articles shorter than this get more background
SHORT = 0.2                   # share of short, fact-dense articles (0–1 background sentences)
BARE = 0.35                   # share of articles that open with the facts: no opening sentence
                              # (hand-written news often does: "A court in X found Y guilty …")
SHUFFLED_FACTS = 0.3          # share of articles whose key sentences come in another order
GENERIC_OPENING = 0.4         # share whose two opening sentences are generic, not the event's
NEWS_ORDER = 0.5              # share whose key sentences come first, right after the opening

# --- Event types ----------------------------------------------------------------------------
# Each returns (opening sentences, key sentences (the facts), distractor pool, slot values).
# A {placeholder} is filled from the facts dict f; distractors use other entities on purpose.

def _sports(rng):
    teams = [f"{c} {m}" for c, m in zip(pick(rng, CITIES, 4, coined_place),
                                              pick(rng, MASCOTS, 4, coined_plural))]
    ws = rng.randint(2, 6)
    p = people(rng, 4)
    f = dict(winner=teams[0], loser=teams[1], ws=ws, ls=rng.randint(0, ws - 1),
             city=city(rng), day=rng.choice(DAYS), scorer=p[0], n=rng.randint(1, ws),
             crowd=f"{rng.randint(3, 60)},{rng.randint(100, 999)}", coach=p[1], other=p[2],
             o1=teams[2], o2=teams[3], a=rng.randint(0, 3), oday=rng.choice(DAYS),
             years=rng.randint(2, 12), nx=rng.randint(2, 9), week=rng.randint(3, 30))
    f["goals"] = "goal" if f["n"] == 1 else "goals"
    opening = [rng.choice([
        "It was an afternoon that supporters will remember for a long time.",
        "Few people expected the match to turn out the way it did.",
        "The league season took another unexpected turn this week.",
        "Rain fell for most of the day, but it did little to cool the atmosphere."]),
        rng.choice([
            "{o1} had been the early favourites in the weeks before the game.",
            "Both sides arrived with injury worries and a lot to prove.",
            "Much of the talk before kick-off was about {o2} and their new signing."])]
    key = [rng.choice([
        "{winner} beat {loser} {ws}-{ls} in the end.",
        "When the final whistle went, {winner} had beaten {loser} {ws}-{ls}.",
        "{winner} ran out {ws}-{ls} winners against {loser}.",
        "{winner} defeated {loser} {ws}-{ls} on {day}.",
        "It finished {winner} {ws}, {loser} {ls}.",
        "{loser} went down {ls}-{ws} to {winner}.",
        "Final score: {winner} {ws}, {loser} {ls}.",
        "{winner} claimed a {ws}-{ls} win over {loser}."]),
        rng.choice([
            "The game was played in {city} on {day} in front of {crowd} fans.",
            "A crowd of {crowd} watched the game in {city} on {day}.",
            "The match took place in {city} on {day}, with {crowd} people in the stands.",
            "{crowd} spectators saw the match in {city} on {day}.",
            "On {day}, the game in {city} drew a crowd of {crowd}."]),
        rng.choice([
            "{scorer} scored {n} {goals} for {winner}.",
            "For {winner}, {scorer} was the star, scoring {n} {goals}.",
            "{scorer} finished with {n} {goals} to lead {winner}.",
            "Scoring {n} {goals}, {scorer} led {winner} to victory.",
            "{scorer} got {n} {goals} for {winner}."])]
    pool = [
        "{o1} and {o2} drew {a}-{a} earlier in the week.",
        "{coach}, who has coached {loser} for {years} years, said the team would look at the video.",
        "{other} missed the game with a knee injury and could be out for {nx} weeks.",
        "Tickets for the next home game against {o1} go on sale on {oday}.",
        "The table will change again when {o2} play {o1} on {oday}.",
        "\"We knew it would be hard, and we have to keep going,\" {coach} told reporters.",
        "{other} was booked in the first half for a late tackle.",
        "The two clubs last met in week {week}, when the game finished goalless.",
        "Officials said the pitch had been repaired after heavy rain in {nx} places.",
        "{o2} have now won {nx} of their last ten games."]
    return opening, key, pool, f


def _earnings(rng):
    names = [f"{a} {b}" for a, b in zip(pick(rng, COMPANY_A, 3, coined),
                                              pick(rng, COMPANY_B, 3, coined))]
    p = people(rng, 3)
    f = dict(company=names[0], rival=names[1], other_co=names[2], q=rng.choice(QUARTERS),
             pct=rng.randint(2, 40), rev=rng.randint(110, 990), ceo=p[0], analyst=p[1],
             other=p[2], product=product(rng), city=city(rng),
             opct=rng.randint(2, 40), orev=rng.randint(110, 990), jobs=rng.randint(20, 900),
             oq=rng.choice(QUARTERS), nx=rng.randint(2, 9))
    f["dir"] = rng.choice(["rose", "fell"])
    opening = [rng.choice([
        "Investors had been waiting for the figures all week.",
        "The results came at a difficult time for the industry.",
        "Shares moved sharply in early trading after the announcement."]),
        rng.choice([
            "Analysts said the numbers would set the tone for the rest of the year.",
            "{rival} reported its own results a week earlier.",
            "The company has faced questions about costs for months."])]
    key = [rng.choice([
        "{company} said its revenue for the {q} quarter {dir} {pct} percent.",
        "Revenue at {company} {dir} {pct} percent in the {q} quarter.",
        "In the {q} quarter, {company} said, revenue {dir} {pct} percent.",
        "{company} reported that revenue {dir} {pct} percent in the {q} quarter.",
        "Revenue {dir} {pct} percent in the {q} quarter, {company} reported.",
        "For the {q} quarter, {company} posted revenue that {dir} {pct} percent."]),
        rng.choice([
            "That left quarterly revenue at ${rev} million.",
            "The total came to ${rev} million for the three months.",
            "Sales for the period reached ${rev} million.",
            "Revenue for the quarter was ${rev} million.",
            "It took in ${rev} million in the quarter."]),
        rng.choice([
            "Chief executive {ceo} said demand for its {product} was the main reason.",
            "{ceo}, the chief executive, pointed to sales of {product}.",
            "According to chief executive {ceo}, {product} drove the result.",
            "The chief executive, {ceo}, credited sales of {product}.",
            "Sales of {product} were behind the result, said chief executive {ceo}."])]
    pool = [
        "{rival} said in the {oq} quarter that its revenue grew {opct} percent to ${orev} million.",
        "{analyst}, an analyst in {city}, said the market for {product} was getting crowded.",
        "The company plans to hire {jobs} people over the next year.",
        "{other_co} is expected to report results on {nx} May.",
        "\"We are cautious about the months ahead,\" {other} said at a conference.",
        "The firm has offices in {city} and employs several thousand people.",
        "Shares of {rival} fell {nx} percent on the same day.",
        "The board will meet again next month to discuss the dividend.",
        "Costs for raw materials rose {opct} percent last year, the company said.",
        "{analyst} said investors would watch the next report closely."]
    return opening, key, pool, f


def _weather(rng):
    cities = pick(rng, CITIES, 3, coined_place)
    p = people(rng, 2)
    regions = distinct(rng, REGIONS, 2)
    f = dict(storm=pick(rng, STORMS, 1, coined)[0], region=regions[0], oregion=regions[1],
             mm=rng.randint(40, 300),
             day=rng.choice(DAYS), homes=f"{rng.randint(2, 90)},{rng.randint(100, 999)}",
             city=cities[0], ocity=cities[1], wind=rng.randint(60, 180), official=p[0], other=p[1],
             omm=rng.randint(5, 40), nx=rng.randint(2, 9), oday=rng.choice(DAYS))
    opening = [rng.choice([
        "Forecasters had warned of a difficult week.",
        "Residents woke to grey skies and strong gusts.",
        "The season has already been one of the wettest on record."]),
        rng.choice([
            "Schools in {ocity} stayed open despite the warnings.",
            "Emergency crews had been on standby since the weekend.",
            "Many roads were quiet as people stayed at home."])]
    key = [rng.choice([
        "Storm {storm} reached {region} on {day}.",
        "On {day}, Storm {storm} moved across {region}.",
        "Storm {storm} hit {region} on {day}, earlier than expected.",
        "Storm {storm} swept through {region} on {day}.",
        "On {day}, {region} was battered by Storm {storm}.",
        "Storm {storm} arrived in {region} on {day}."]),
        rng.choice([
            "In some places {mm} millimetres of rain fell, and winds reached {wind} kilometres per hour.",
            "Up to {mm} millimetres of rain were recorded, with gusts of {wind} kilometres per hour.",
            "The storm dropped as much as {mm} millimetres of rain.",
            "Rain gauges recorded {mm} millimetres.",
            "As much as {mm} millimetres of rain fell in a single day."]),
        rng.choice([
            "About {homes} homes in {city} lost power.",
            "Power was cut to about {homes} homes in {city}.",
            "In {city}, about {homes} homes were left without electricity.",
            "{homes} homes in {city} were left without power.",
            "Electricity was lost in about {homes} homes in {city}."])]
    pool = [
        "Only {omm} millimetres fell in {oregion}, officials said.",
        "{official}, who leads the emergency service, asked people to avoid travel.",
        "Trains between {ocity} and the coast were delayed by up to {nx} hours.",
        "A smaller storm is expected on {oday}, but it should be weaker.",
        "\"Please check on your neighbours,\" {other} said on local radio.",
        "Several trees fell on roads near {ocity}.",
        "Farmers in {oregion} said the rain came too late for some crops.",
        "Insurers said it was too early to estimate the cost.",
        "The weather service will publish a full report in {nx} weeks.",
        "Ferries stayed in port for most of the day."]
    return opening, key, pool, f


def _election(rng):
    p = people(rng, 4)
    parties = distinct(rng, PARTIES, 3)
    f = dict(winner=p[0], rival=p[1], other=p[2], analyst=p[3], party=parties[0],
             rparty=parties[1], oparty=parties[2], city=city(rng),
             pct=rng.randint(51, 72), turnout=rng.randint(28, 81), day=rng.choice(DAYS),
             opct=rng.randint(10, 49), nx=rng.randint(2, 9), ocity=city(rng),
             seats=rng.randint(3, 30))
    opening = [rng.choice([
        "Voters went to the polls after a long and bitter campaign.",
        "The race had been too close to call for weeks.",
        "Polling stations opened early to handle long queues."]),
        rng.choice([
            "The {oparty} had hoped to make gains in {ocity}.",
            "Debates in the final week focused on housing and transport.",
            "Both main candidates spent the last day knocking on doors."])]
    key = [rng.choice([
        "{winner} was elected mayor of {city}.",
        "The new mayor of {city} will be {winner}.",
        "{winner} won the race to become mayor of {city}.",
        "Voters in {city} chose {winner} as their new mayor.",
        "{city} has a new mayor: {winner}.",
        "{winner} will serve as the next mayor of {city}."]),
        rng.choice([
            "{winner}, of the {party}, took {pct} percent of the vote and defeated {rival}.",
            "Standing for the {party}, {winner} won {pct} percent of the vote, beating {rival}.",
            "{rival} lost to {winner} of the {party}, who took {pct} percent.",
            "With {pct} percent of the vote, {winner} of the {party} defeated {rival}.",
            "{rival} was beaten by {winner}, the {party} candidate, who won {pct} percent."]),
        rng.choice([
            "Turnout was {turnout} percent.",
            "Officials put turnout at {turnout} percent.",
            "About {turnout} percent of registered voters took part.",
            "Turnout reached {turnout} percent.",
            "{turnout} percent of voters cast a ballot."])]
    pool = [
        "In {ocity}, the {oparty} candidate won {opct} percent.",
        "{other}, a former councillor, said the result showed a wish for change.",
        "The {rparty} now holds {seats} seats on the council.",
        "\"This campaign was about our streets and our schools,\" {other} said.",
        "Counting took {nx} hours longer than planned because of a computer fault.",
        "{analyst}, who studies elections, said young voters made the difference.",
        "The next regional vote is due in {nx} years.",
        "Several polling stations in {ocity} ran out of ballot papers.",
        "The {oparty} said it would review its campaign.",
        "A recount was requested in one district but later withdrawn."]
    return opening, key, pool, f


def _court(rng):
    p = people(rng, 4)
    charges = distinct(rng, CHARGES, 2)
    f = dict(defendant=p[0], judge=p[1], lawyer=p[2], other=p[3], charge=charges[0],
             ocharge=charges[1], city=city(rng), day=rng.choice(DAYS),
             years=rng.randint(2, 15), weeks=rng.randint(2, 12), nx=rng.randint(2, 30),
             ocity=city(rng), oyears=rng.randint(2, 15))
    opening = [rng.choice([
        "The courtroom was full when the verdict was read.",
        "The trial had drawn attention far beyond the region.",
        "Reporters had waited outside the building since early morning."]),
        rng.choice([
            "The case began after an investigation that lasted {nx} months.",
            "Witnesses had given evidence over several days.",
            "The defence had argued that the evidence was weak."])]
    key = [rng.choice([
        "On {day}, a court in {city} found {defendant} guilty of {charge}.",
        "{defendant} was found guilty of {charge} by a court in {city} on {day}.",
        "A court in {city} on {day} convicted {defendant} of {charge}.",
        "A court in {city} found {defendant} guilty of {charge} on {day}.",
        "On {day}, {defendant} was convicted of {charge} at a court in {city}."]),
        rng.choice([
            "Judge {judge} sentenced {defendant} to {years} years in prison.",
            "The sentence, handed down by Judge {judge}, was {years} years in prison.",
            "Judge {judge} imposed a prison term of {years} years.",
            "{defendant} was jailed for {years} years by Judge {judge}.",
            "The defendant was sentenced to {years} years in prison by Judge {judge}."])]
    pool = [
        "In a separate case in {ocity}, a man was cleared of {ocharge}.",
        "{lawyer}, the defence lawyer, said an appeal was likely.",
        "The trial lasted {weeks} weeks and heard from {nx} witnesses.",
        "\"Justice has been done today,\" {other} said outside the court.",
        "Prosecutors had asked for a sentence of {oyears} years.",
        "The court heard that the money was moved through several accounts.",
        "{other}, a former colleague, gave evidence on the second day.",
        "Reporting restrictions were lifted after the verdict.",
        "The judge thanked the jury for their patience.",
        "Police in {ocity} said their inquiry into {ocharge} was continuing."]
    return opening, key, pool, f


def _science(rng):
    p = people(rng, 3)
    cities = pick(rng, CITIES, 2, coined_place)
    findings = distinct(rng, FINDINGS, 2)
    journals = distinct(rng, JOURNALS, 2)
    f = dict(lead=p[0], other=p[1], critic=p[2], city=cities[0], ocity=cities[1],
             finding=findings[0], ofinding=findings[1], place=rng.choice(PLACES),
             journal=journals[0], ojournal=journals[1], n=rng.randint(3, 40),
             years=rng.randint(2, 12), nx=rng.randint(2, 9))
    opening = [rng.choice([
        "Scientists say the discovery could change how the field thinks about the subject.",
        "The work began almost by accident.",
        "It took years of careful work to confirm the result."]),
        rng.choice([
            "A team in {ocity} had reported {ofinding} last year.",
            "Funding for the project nearly ran out twice.",
            "Similar searches in the past had come up empty."])]
    key = [rng.choice([
        "Researchers at the University of {city} have found {finding}.",
        "A team from the University of {city} has discovered {finding}.",
        "The University of {city} announced that its researchers had found {finding}.",
        "Scientists at the University of {city} have discovered {finding}.",
        "Researchers from the University of {city} report the discovery of {finding}."]),
        rng.choice([
            "The team was led by {lead}, who worked on the project for {years} years.",
            "{lead}, who led the team, spent {years} years on the project.",
            "The project was led by {lead}.",
            "Leading the team was {lead}.",
            "The work was led by {lead}."]),
        rng.choice([
            "The discovery was made in {place}.",
            "They made the find in {place}.",
            "Samples came from {place}.",
            "The find was made in {place}."]),
        rng.choice([
            "The results were published in {journal}.",
            "The findings appear in {journal}.",
            "Details were published this week in {journal}.",
            "The study appears in {journal}."])]
    pool = [
        "{other}, who was not involved, called the work careful and important.",
        "The team collected {n} samples over {nx} seasons.",
        "An earlier paper in {ojournal} had suggested the opposite.",
        "\"We still have many questions,\" {other} said.",
        "{critic} said more data would be needed before firm conclusions.",
        "The researchers now plan a second study in {ocity}.",
        "The project was paid for by a public research fund.",
        "Students helped with the field work during the summer.",
        "The team will share its data with other groups.",
        "Similar work in {ocity} has been going on for {nx} years."]
    return opening, key, pool, f


EVENTS = {"sports": _sports, "earnings": _earnings, "weather": _weather,
          "election": _election, "court": _court, "science": _science}
# The entity type of each slot, for named-entity labels (``trax_models.transfer.data``): the
# generator knows what every name and number it wrote is. Slots not listed (products, charges,
# findings, storms, "goal(s)", "rose/fell") are not entities of these five types.
_PEOPLE = ("scorer", "coach", "other", "ceo", "analyst", "official", "rival", "defendant",
           "judge", "lawyer", "lead", "critic")
_EVENT_TYPES = {
    "sports": dict.fromkeys(("winner", "loser", "o1", "o2"), "ORG")
    | dict.fromkeys(("ws", "ls", "n", "crowd", "a", "years", "nx", "week"), "NUM")
    | {"city": "LOC", "day": "DATE", "oday": "DATE"},
    "earnings": dict.fromkeys(("company", "rival", "other_co"), "ORG")
    | dict.fromkeys(("pct", "rev", "opct", "orev", "jobs", "nx"), "NUM")
    | {"city": "LOC", "q": "DATE", "oq": "DATE"},
    "weather": dict.fromkeys(("region", "oregion", "city", "ocity"), "LOC")
    | dict.fromkeys(("mm", "homes", "wind", "omm", "nx"), "NUM")
    | {"day": "DATE", "oday": "DATE"},
    "election": dict.fromkeys(("winner", "rival", "other", "analyst"), "PERSON")
    | dict.fromkeys(("party", "rparty", "oparty"), "ORG")
    | dict.fromkeys(("pct", "turnout", "opct", "nx", "seats"), "NUM")
    | {"city": "LOC", "ocity": "LOC", "day": "DATE"},
    "court": dict.fromkeys(("years", "weeks", "nx", "oyears"), "NUM")
    | {"city": "LOC", "ocity": "LOC", "day": "DATE"},
    "science": dict.fromkeys(("n", "years", "nx"), "NUM") | {"city": "LOC", "ocity": "LOC"},
}
# people by slot name, unless the event says otherwise
SLOT_TYPES = {event: {**dict.fromkeys(_PEOPLE, "PERSON"), **types}
              for event, types in _EVENT_TYPES.items()}
ENTITY_TYPES = ("PERSON", "ORG", "LOC", "NUM", "DATE")


_GENERIC = [
    "The story was widely shared on social media, and many readers left comments asking for more information.",
    "More details are expected in the coming days, according to people familiar with the matter.",
    "Local newspapers covered the news on their front pages the next morning.",
    "Some people said they had first heard about it from friends or family rather than from the news.",
    "Officials declined to comment further when they were contacted by reporters on the same evening.",
    "It is not the first time the issue has made headlines in the region, and it is unlikely to be the last.",
    "A spokesperson said a longer statement would follow later in the week.",
    "Reaction was mixed among people interviewed on the street, with some pleased and others worried.",
    "Community groups said they would hold a public meeting to discuss what happens next.",
    "The news came at the end of a busy week that had already been full of surprises.",
    "Several people who spoke to this newspaper asked not to be named.",
    "Radio phone-in shows were busy for most of the afternoon as listeners shared their views.",
]


def _fill(template, f):
    return template.format(**f)


def compose_pair(seed, split, index, background=DEFAULT_BACKGROUND, min_words=None):
    """What ``generate_pair`` writes, before filling (so every slot's place is known): a dict
    with "event", "parts" (the article's sentences in order as (template, slots) pairs;
    ``template.format(**slots)`` is the sentence), "summary" (the key sentences' templates,
    joined) and "slots" (the event's slot values)."""
    rng = random.Random(f"trax_models_news/{seed}/{split}/{index}")
    event = rng.choice(sorted(EVENTS))
    opening, key, pool, f = EVENTS[event](rng)
    if rng.random() < GENERIC_OPENING:  # the event type must then be read from the facts
        opening = rng.sample(_GENERIC, 2)
    bare = rng.random() < BARE
    if bare:
        opening = []
    pool = pool + _GENERIC
    rng.shuffle(pool)
    short = rng.random() < SHORT
    n = rng.randint(0, 1) if short else rng.randint(*background)
    body, rest = [(s, f) for s in pool[:n]], pool[n:]
    if rng.random() < SHUFFLED_FACTS:
        key = list(key)
        rng.shuffle(key)
    if not short and rng.random() < 0.08:  # the long tail (up to ≈600 words): background about other people
        _, _, other, f_other = EVENTS[event](rng)  # same templates, new random entities
        body += [(s, f) for s in rest] + [(s, f_other) for s in
                                          rng.sample(other, rng.randint(4, len(other)))]
        rest = []
    # Facts go at random, distinct positions among the background (never in the opening;
    # a bare article's first sentence is always one of them); in a NEWS_ORDER share, among the
    # first len(key) + 1 places, as news puts the event first (at most one other sentence
    # between them).
    places = len(body) + len(key)
    if rng.random() < NEWS_ORDER:
        places = min(places, len(key) + 1)
    slots = sorted(rng.sample(range(places), len(key)))
    if bare:
        slots[0] = 0
    for pos, sentence in zip(slots, key):
        body.insert(pos, (sentence, f))
    # The summary (since v8): the key sentences as the article words them, in its order — an
    # operation (find the sentences that carry the event, copy them) that carries over to any
    # text, where one fixed template per event type taught only "fill this event's slots".
    summary = " ".join(s for s, _ in body if s in key)
    parts = [(s, f) for s in opening] + body
    words = sum(len(_fill(*part).split()) for part in parts)
    if min_words is None:
        min_words = BARE_MIN_WORDS if bare and short else MIN_WORDS if short else USUAL_MIN_WORDS
    while words < min_words and rest:  # lift short articles to ≥ min_words with more background
        part = (rest.pop(), f)
        parts.insert(rng.randint(len(opening) + (1 if bare else 0), len(parts)), part)
        words += len(_fill(*part).split())
    return {"event": event, "parts": parts, "summary": summary, "slots": f}


def generate_pair(seed, split, index, background=DEFAULT_BACKGROUND, min_words=None):
    """One example, a pure function of (seed, split, index, background).

    ``background`` = (fewest, most) background/distractor sentences around the facts; fewer
    makes shorter articles (never under ``min_words``; default ``USUAL_MIN_WORDS``, short ones
    ``MIN_WORDS``, bare short ones ``BARE_MIN_WORDS``). The shares of short, bare (no opening),
    shuffled, generic-opening and news-order articles are the module's constants.

    Returns:
      dict with "id", "event", "article" (≈20–600 words), "summary" (its 2–4 key sentences)
      and "facts" (the slot values in the summary: names, numbers, places).
    """
    pair = compose_pair(seed, split, index, background, min_words)
    f, summary = pair["slots"], pair["summary"]
    facts = [str(f[name]) for _, name, _, _ in string.Formatter().parse(summary) if name]
    return {"id": f"{split}-{index:06d}", "event": pair["event"],
            "article": " ".join(_fill(*part) for part in pair["parts"]),
            "summary": _fill(summary, f), "facts": list(dict.fromkeys(facts))}


def generate_corpus(seed=0, sizes=None, background=DEFAULT_BACKGROUND):
    """The default corpus in memory, {split: [``generate_pair`` dicts]}: the same ``seed``
    gives the same corpus byte for byte; ``sizes`` {split: count} (default ``DEFAULT_SIZES``);
    ``background`` as in ``generate_pair``."""
    sizes = dict(DEFAULT_SIZES if sizes is None else sizes)
    return {split: [generate_pair(seed, split, i, tuple(background)) for i in range(n)]
            for split, n in sizes.items()}
