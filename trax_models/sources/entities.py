"""The default corpus's fictional entities: name lists, and names coined from syllables.

Half of every kind of name (``NOVEL``) is coined (``coined``: "Dravenor"), so a model cannot
memorise them and has to copy them from the article. Pure functions of a ``random.Random``;
``trax_models.sources.news`` writes the articles with them.
"""

NOVEL = 0.5                 # share of names, places, clubs, firms, storms coined from syllables

# --- Lists -----------------------------------------------------------------
FIRST = ("Anna Ben Carla David Elena Frank Grace Henry Irene James Karen Luis Maria Nadia "
         "Oscar Paula Quentin Rosa Samuel Tara Victor Wendy Yusuf Zara Adam Bianca Colin "
         "Diana Ethan Fiona George Helen Ivan Julia Kevin Laura Martin Nora Omar Priya").split()
LAST = ("Abbott Barker Castillo Dawson Ellison Fischer Garner Holloway Ingram Jensen Keller "
        "Lindqvist Moreno Novak Okafor Pruitt Quinlan Rasmussen Sandoval Thornton Ulrich Vance "
        "Whitaker Yamada Zielinski Adeyemi Brennan Carver Delgado Eastwood Fontaine Greer "
        "Hartley Iverson Kowalski Lawson Mercer Nakamura Ortega Petrov").split()
CITIES = ("Ashford Brookhaven Carlow Dunmore Eastleigh Fairview Glenwood Harlow Ironbridge "
          "Kingsport Lakemont Millbrook Northgate Oakridge Pinecrest Queensbury Redfield "
          "Stonebridge Thornbury Upton Valemont Westbrook Yarmouth Ambleside Bridgeton "
          "Cedarville Danbury Elmstead Foxley Greystone").split()
REGIONS = ("the northern coast|the southern valleys|the eastern plains|the western highlands|"
           "the central lowlands|the river delta|the lake district|the border hills|"
           "the coastal islands|the northern uplands").split("|")
MASCOTS = "Rovers United Athletic Rangers Wanderers Harriers Falcons Lions".split()
COMPANY_A = ("Norvale Brightline Castor Deltex Evergreen Finmark Granite Helix Ionis Juniper "
             "Kestrel Lumen Meridian Nexa Orbital Pioneer Quartz Redwood Solace Tidewater").split()
COMPANY_B = "Systems Motors Foods Energy Pharma Logistics Telecom Holdings".split()
PRODUCTS = ("electric vans|cloud software|frozen meals|solar panels|hearing aids|delivery "
            "drones|mobile plans|running shoes|home batteries|coffee machines").split("|")
_PRODUCT_WORDS = ("electric smart frozen solar portable organic wireless compact budget "
                  "luxury".split(), "scooters vans meals panels speakers bikes heaters cameras "
                  "drones batteries watches tablets".split())
PARTIES = ("Progress Party|Civic Alliance|Green League|People's Union|Liberal Front|"
           "Reform Movement").split("|")
CHARGES = ("fraud|bribery|tax evasion|embezzlement|money laundering|arson|insider trading|"
           "perjury").split("|")
STORMS = ("Amelia Bruno Celia Dorian Esme Felix Gwen Hector Isla Jonas Kira Leon Mina Nico "
          "Odette Pavel").split()
FINDINGS = ("a new species of tree frog|a bacterium that breaks down plastic|a fossil of an "
            "early whale|a gene linked to drought tolerance|a comet with an unusual orbit|a "
            "cave system with ancient paintings|a new antibiotic compound|a colony of rare "
            "orchids").split("|")
PLACES = ("a remote rainforest|a flooded mine|the deep ocean floor|an abandoned quarry|a "
          "high mountain lake|a desert canyon|a city park|an arctic glacier").split("|")
JOURNALS = ("Nature Letters|the Journal of Field Biology|Science Reports|the Annual Review|"
            "Open Research").split("|")
DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
QUARTERS = "first second third fourth".split()


_ONSETS = "b br c d dr f g gr h j k kl l m n p pr r s sh st t tr v w z".split()
_VOWELS = "a e i o u a e i o ai ea ou".split()
_CODAS = ["", "", "", "n", "r", "l", "s", "nd", "rt", "m", "th", "ck"]
_PLACE_ENDS = ["", "", "", "ford", "bridge", "mouth", "ton", "wick", "more", "dale"]


def coined(rng, parts=(2, 3)):
    """A pronounceable made-up word from syllables ("Dravenor"): no list to memorise."""
    n = rng.randint(*parts)
    return "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
                   for _ in range(n)).capitalize()


def coined_place(rng):
    return coined(rng, (1, 2)) + rng.choice(_PLACE_ENDS)


def coined_plural(rng):
    return coined(rng, (2, 2)) + "s"


def pick(rng, seq, k, coin):
    """k distinct values, each from ``seq`` or (with probability NOVEL) coined by ``coin``."""
    out = []
    while len(out) < k:
        value = coin(rng) if rng.random() < NOVEL else rng.choice(seq)
        if value not in out:
            out.append(value)
    return out


def city(rng):
    return pick(rng, CITIES, 1, coined_place)[0]


def person(rng):
    first = coined(rng, (2, 2)) if rng.random() < NOVEL else rng.choice(FIRST)
    last = coined(rng, (2, 3)) if rng.random() < NOVEL else rng.choice(LAST)
    return f"{first} {last}"


def people(rng, k):
    """k distinct full names (a list, not a set: set order changes with PYTHONHASHSEED)."""
    out = []
    while len(out) < k:
        name = person(rng)
        if name not in out:
            out.append(name)
    return out


def distinct(rng, seq, k):
    return rng.sample(list(seq), k)


def product(rng):
    """A product line: from ``PRODUCTS`` or (``NOVEL``) an adjective + noun pair ("electric
    scooters"; 120 of them: too many to memorise, so the summary must copy it)."""
    if rng.random() < NOVEL:
        return f"{rng.choice(_PRODUCT_WORDS[0])} {rng.choice(_PRODUCT_WORDS[1])}"
    return rng.choice(PRODUCTS)
