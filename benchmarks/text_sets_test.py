"""Hand-written TEST texts for the news summarizer: in-domain articles in new shapes, and others.

Written by hand on 5 Dec 2026 as the held-out TEST set: it was never used to choose anything
(no model, setting, threshold or prompt was tuned on it), and should only be scored once a
choice has been made on other data. All text is original; every name, place, club, firm,
product, storm, party, charge, finding, journal and number is invented, and none comes from
``trax_models/sources/entities.py``'s lists.

``NEW_SHAPES_TEST``: 24 articles of the generator's six event types, 4 each (sports, earnings,
weather, election, court, science), 35–160 words and 2–8 sentences each, told in sentence
shapes that ``trax_models/sources/news.py`` never writes: a quote before the event, the result
from the loser's side, "Final score:" lines, a passive verdict with the judge named later,
pronouns after the first mention, number-first and question leads, datelines, relative clauses,
past perfect, reported speech, background before the event, and other people and numbers as
distractors. Each item is ``dict(event=..., article=..., facts=[...])``: ``facts`` are the exact
strings (verbatim and case-sensitive in the article) that a good 1–2 sentence summary must
contain, by the event's slots —

* sports: winning team, losing team, winner's score, loser's score, town, day, main scorer;
* earnings: company, quarter word, "rose"/"fell" (only where the article literally says so),
  percent, revenue in millions, chief executive, product;
* weather: storm name (without "Storm"), rain in millimetres, region, day, homes without
  power, town;
* election: winner, party, town, winner's percent, runner-up, turnout percent;
* court: the court's town, defendant, charge, day, judge, years;
* science: the university's town ("University of X"), team leader, finding, place of the
  discovery, journal.

``OTHER_TOPICS_TEST``: 15 short news items of other kinds (none of the six types), 60–220
words each, as ``dict(topic=..., article=..., summary=...)``: ``summary`` is a hand-written
1–2 sentence reference highlight (20–40 words) that mostly reuses the article's own words.
"""

NEW_SHAPES_TEST = [
    # --- sports ---------------------------------------------------------------------------
    dict(
        event="sports",
        article=(
            "\"We simply did not turn up after the break,\" Pellam Town coach Brenna Kostadin "
            "said. Her side went down 1-3 to Ostrey Herons at the Millrace Ground in Cawdrey "
            "on Saturday, having led at half-time through a penalty from Joss Amberley. The "
            "visitors turned the game around in a twenty-minute spell. Tomas Rekka, who had "
            "joined Ostrey from Dunhollow in the summer, scored twice and then set up a third "
            "for Leif Ormsby. A crowd of 4,112 saw Pellam's first home defeat since March."
        ),
        facts=["Ostrey Herons", "Pellam Town", "3", "1", "Cawdrey", "Saturday",
               "Tomas Rekka"],
    ),
    dict(
        event="sports",
        article=(
            "SKELDER CROSS, Sunday — Final score: Varne Bay Otters 4, Kelsworth Albion 2. "
            "That was the story at a packed Quarry Lane in Skelder Cross, where Otters striker "
            "Imke Dalgaard scored a hat-trick before half-time. Kelsworth, who had not lost in "
            "seven games, pulled two goals back through their captain, Rory Penhale, but never "
            "looked like drawing level. Noor Felton added the fourth late on. Otters manager "
            "Cal Brightwater said afterwards that Dalgaard \"could play at any level\". The win "
            "lifts Varne Bay to third in the table, two points behind Morrow Vale."
        ),
        facts=["Varne Bay Otters", "Kelsworth Albion", "4", "2", "Skelder Cross", "Sunday",
               "Imke Dalgaard"],
    ),
    dict(
        event="sports",
        article=(
            "Could anyone have stopped Emeric Solvay on Wednesday night? Three goals in eleven "
            "minutes from the Brackwater Comets forward settled a semi-final that had been "
            "goalless for more than an hour. The 3-0 win for Brackwater Comets over Lintford "
            "Saints came at Ferris Road in Orlingham, a neutral ground chosen by the league. "
            "Lintford had reached the last four after a penalty shoot-out against Eastcombe "
            "Park last month. Their goalkeeper, Aled Crouch, made six saves before Solvay broke "
            "through."
        ),
        facts=["Brackwater Comets", "Lintford Saints", "3", "0", "Orlingham", "Wednesday",
               "Emeric Solvay"],
    ),
    dict(
        event="sports",
        article=(
            "Thistlebeck Forge were beaten 2-1 by the Corrin Fell Ospreys at Larchmoor on "
            "Friday, and the damage was done by a substitute. Sunniva Ratcliffe, who had come "
            "on at half-time, scored twice in the last quarter of an hour to cancel out an "
            "early header from Forge defender Otto Brisk. Ospreys coach Dev Mallick admitted "
            "that he had nearly left her out of the squad. The result keeps the Ospreys top of "
            "the Fellside League with four games left."
        ),
        facts=["Corrin Fell Ospreys", "Thistlebeck Forge", "2", "1", "Larchmoor", "Friday",
               "Sunniva Ratcliffe"],
    ),
    # --- earnings -------------------------------------------------------------------------
    dict(
        event="earnings",
        article=(
            "\"People are replacing old boilers faster than we can build new ones,\" Margit "
            "Ollerenshaw, chief executive of Calloway Thermics, told analysts on Thursday. Her "
            "company's second-quarter revenue rose 18 percent, to $347 million, on the back of "
            "demand for its heat pumps. A year earlier the firm had been cutting shifts at its "
            "plant in Wennick. Profit more than doubled to $41 million, and the company raised "
            "its forecast for the year. Its shares closed 6 percent higher."
        ),
        facts=["Calloway Thermics", "second", "rose", "18", "347", "Margit Ollerenshaw",
               "heat pumps"],
    ),
    dict(
        event="earnings",
        article=(
            "Fewer families went camping this summer, and Drummond Outdoor Goods felt it. Sales "
            "of its inflatable tents dried up after a wet July, and third-quarter revenue fell 9 "
            "percent to $128 million, the retailer said on Tuesday. Chief executive Olu "
            "Barrowcliffe, who had promised investors a recovery by the spring, said the company "
            "would close 14 of its 160 stores. Its main rival, Pitchford & Lane, had reported "
            "flat sales a week earlier."
        ),
        facts=["Drummond Outdoor Goods", "third", "fell", "9", "128", "Olu Barrowcliffe",
               "inflatable tents"],
    ),
    dict(
        event="earnings",
        article=(
            "Pellucid Robotics, whose warehouse picking arms are now used by four of the "
            "country's five biggest grocers, said its revenue climbed 27 percent in the first "
            "quarter. The Venlow-based firm took in $263 million in the three months to March, "
            "compared with $207 million a year before. Orders for the picking arms more than "
            "made up for weaker sales of its older conveyor systems, chief executive Hamish "
            "Tolland said. He told reporters that the company expected to hire another 300 "
            "engineers by the end of the year."
        ),
        facts=["Pellucid Robotics", "first", "27", "263", "Hamish Tolland", "picking arms"],
    ),
    dict(
        event="earnings",
        article=(
            "Oaken Bell Cycles, the Gressham bicycle maker, said on Wednesday that it had taken "
            "in $486 million in the fourth quarter, 4 percent less than a year before. Its chief "
            "executive, Sigrun Hale, blamed a price war in folding e-bikes, which make up about "
            "half of its sales. She said discounting by overseas rivals had cost the company "
            "about $30 million. Analysts at Corbel Securities had expected a sharper drop, and "
            "the shares ended the day little changed."
        ),
        facts=["Oaken Bell Cycles", "fourth", "4", "486", "Sigrun Hale", "folding e-bikes"],
    ),
    # --- weather --------------------------------------------------------------------------
    dict(
        event="weather",
        article=(
            "TREVANNOCK, Monday — Some 11,800 homes in Trevannock were still without power "
            "last night after Storm Oriel dropped 96 millimetres of rain across the Sorrel "
            "Downs. The storm had been upgraded to an amber warning only hours before it "
            "arrived. Engineers from Westmark Power said lines had come down in more than 40 "
            "places. \"We are asking people to stay well away from fallen cables,\" said Pippa "
            "Arkwright, a spokeswoman for the company. Schools in nearby Bellhaugh will stay "
            "shut on Tuesday."
        ),
        facts=["Oriel", "96", "Sorrel Downs", "Monday", "11,800", "Trevannock"],
    ),
    dict(
        event="weather",
        article=(
            "How much rain can one valley take? Residents of the Ember Vale found out on "
            "Thursday, when Storm Tamsin left 142 millimetres in the gauge at Pennock Weir, the "
            "most since records began in 1961. By evening the river had burst its banks in "
            "Fallowby, and the local network operator said 6,450 homes in the town had no "
            "electricity. \"The water came in through the back door and went out the front,\" "
            "said shopkeeper Dilys Marrin. Forecasters expect a drier weekend."
        ),
        facts=["Tamsin", "142", "Ember Vale", "Thursday", "6,450", "Fallowby"],
    ),
    dict(
        event="weather",
        article=(
            "The Greyling Peninsula had not seen a storm of this size since 2009. Storm "
            "Baltasar, which came ashore on Friday afternoon, brought 78 millimetres of rain "
            "and gusts of 130 kilometres per hour. By nightfall 23,040 homes in Skerrington had "
            "lost power, the grid operator Lumb & Carrow said. Most had been reconnected by "
            "Sunday, but crews were still working on outlying farms. The coastguard rescued two "
            "walkers who had been cut off by the tide near Hollin Point."
        ),
        facts=["Baltasar", "78", "Greyling Peninsula", "Friday", "23,040", "Skerrington"],
    ),
    dict(
        event="weather",
        article=(
            "Nearly 3,900 homes in Dunlevy were left in the dark on Wednesday as Storm Hesper "
            "crossed the Marram Flats. It dropped 61 millimetres of rain on the low-lying "
            "farmland in twelve hours, according to the regional weather office, which said it "
            "had expected about half that. Its chief forecaster, Runa Pelham, said the ground "
            "had already been saturated by a wet October. Two bridges on the coast road were "
            "closed as a precaution, and a second, weaker system is due on Saturday."
        ),
        facts=["Hesper", "61", "Marram Flats", "Wednesday", "3,900", "Dunlevy"],
    ),
    # --- election -------------------------------------------------------------------------
    dict(
        event="election",
        article=(
            "\"Tonight this town has chosen hope over habit,\" Odile Fenwick told supporters "
            "after she was declared the new mayor of Carrowby early on Friday. Fenwick, who "
            "stood for the Harbour Coalition, won 58 percent of the vote. Her nearest "
            "challenger, the outgoing deputy mayor Lorcan Tweed, took 31 percent. Turnout "
            "reached 47 percent, up from 39 percent four years ago, which officials put down to "
            "a row over the closure of the town's swimming pool."
        ),
        facts=["Odile Fenwick", "Harbour Coalition", "Carrowby", "58", "Lorcan Tweed", "47"],
    ),
    dict(
        event="election",
        article=(
            "Augustin Reyes-Obi had led in every poll since June. On Sunday night he conceded "
            "the race for mayor of Carnvallow to Thea Marchbank of the Rural Voice party, who "
            "finished with 53 percent to his 44. Marchbank, a former headteacher, had "
            "campaigned almost entirely on bus services. Just 36 percent of the town's 41,000 "
            "registered voters cast a ballot, the returning officer said."
        ),
        facts=["Thea Marchbank", "Rural Voice", "Carnvallow", "53", "Augustin Reyes-Obi",
               "36"],
    ),
    dict(
        event="election",
        article=(
            "MOSSWELL, Monday — With 64 percent of the vote, Kwame Aldous-Finch of the Unity "
            "Network has become the first mayor of Mosswell in 30 years not to come from one of "
            "the two big parties. He beat the sitting mayor, Henrike Stout of the New Commons, "
            "by more than 2,000 votes. Turnout, which had fallen at every election since 2010, "
            "climbed to 52 percent. Aldous-Finch said his first act would be to freeze parking "
            "charges in the town centre."
        ),
        facts=["Kwame Aldous-Finch", "Unity Network", "Mosswell", "64", "Henrike Stout",
               "52"],
    ),
    dict(
        event="election",
        article=(
            "Who will fix the harbour wall? That question dominated the race in Eskholme, which "
            "ended on Saturday with Brannagh Quist of the Coastal Democrats elected mayor. Quist "
            "took 55 percent of the vote. The runner-up, Jory Pascoe of the Fisheries Bloc, won "
            "38 percent, and three independents shared the rest. Election officials said 61 "
            "percent of voters had turned out, the highest figure in the region."
        ),
        facts=["Brannagh Quist", "Coastal Democrats", "Eskholme", "55", "Jory Pascoe", "61"],
    ),
    # --- court ----------------------------------------------------------------------------
    dict(
        event="court",
        article=(
            "A jury at Cullerton Crown Court took less than three hours on Tuesday to convict "
            "Lucan Threlkeld of theft. He had kept the books of a local rowing club for eleven "
            "years and, the court heard, moved £86,000 of its money into his own accounts. He "
            "was jailed for four years by Judge Amara Quennell, who said he had \"betrayed "
            "people who trusted him completely\". The club's chairman, Rhodri Vickery, said "
            "members were relieved it was over."
        ),
        facts=["Cullerton", "Lucan Threlkeld", "theft", "Tuesday", "Amara Quennell", "four"],
    ),
    dict(
        event="court",
        article=(
            "HALBERRY, Thursday — \"You preyed on the lonely,\" Judge Casimir Oduya told "
            "Wilfred Penrose, before jailing him for 12 years for blackmail at Halberry "
            "District Court. Penrose, 58, had denied the charge throughout a two-week trial, but "
            "the jury returned a unanimous verdict on Thursday morning. The court heard that he "
            "had threatened six women he met through a dating site. Prosecutors said he had "
            "demanded more than £140,000 from them."
        ),
        facts=["Halberry", "Wilfred Penrose", "blackmail", "Thursday", "Casimir Oduya", "12"],
    ),
    dict(
        event="court",
        article=(
            "A 14-year prison term was handed down on Friday to Petra Langwith, the owner of a "
            "Saltcoe care home, after a jury found her guilty of manslaughter. Judge Ravi "
            "Sundqvist said she had ignored repeated warnings about a faulty gas heater that "
            "killed two residents in 2024. Inspectors had raised the problem three times, the "
            "trial was told. Her lawyer, Fergal Mont, said outside the Saltcoe courthouse that "
            "she would appeal."
        ),
        facts=["Saltcoe", "Petra Langwith", "manslaughter", "Friday", "Ravi Sundqvist", "14"],
    ),
    dict(
        event="court",
        article=(
            "For two years, the lorries crossed the border at night. On Wednesday the man who "
            "had run them, haulage boss Desmond Achterberg, was convicted of people smuggling "
            "at Fennick Crown Court. Judge Maelle Corran jailed him for 10 years, saying he had "
            "treated his passengers \"as cargo\". Two of his drivers, who had pleaded guilty, "
            "received sentences of three and four years."
        ),
        facts=["Fennick", "Desmond Achterberg", "people smuggling", "Wednesday",
               "Maelle Corran", "10"],
    ),
    # --- science --------------------------------------------------------------------------
    dict(
        event="science",
        article=(
            "\"At first we thought the instruments were broken,\" said Ilse Brannock, who led "
            "the team from the University of Ormskeld. They were not. Her group has found a "
            "microbe that lives on hydrogen alone, in boreholes 900 metres below the Vellan "
            "Basin. The work, described this week in the Journal of Deep Biosphere Studies, "
            "used samples from 14 boreholes drilled for a geothermal project. Colleagues in "
            "Stennet are now trying to grow the microbe in the laboratory."
        ),
        facts=["Ormskeld", "Ilse Brannock", "microbe that lives on hydrogen alone",
               "Vellan Basin", "Journal of Deep Biosphere Studies"],
    ),
    dict(
        event="science",
        article=(
            "Fishermen on the Skarra Islands had long told stories of glowing water in winter. "
            "Now a bioluminescent jellyfish that had never been described has been identified "
            "there by marine biologists from the University of Dunvarrick, led by Tobias "
            "Ferreira-Lund. The animal, no bigger than a thumbnail, was collected in sea caves "
            "on the Skarra Islands during three winter dives. A paper describing it appeared on "
            "Monday in Marine Records of the North Atlantic."
        ),
        facts=["Dunvarrick", "Tobias Ferreira-Lund", "bioluminescent jellyfish",
               "Skarra Islands", "Marine Records of the North Atlantic"],
    ),
    dict(
        event="science",
        article=(
            "Why do some oak trees survive a drought while their neighbours die? A team at the "
            "University of Penmarrow says the answer may lie underground. Led by soil scientist "
            "Anneke Voss, the researchers have identified a fungus that feeds water to oak "
            "roots, which they found in old hedgerows near Gadby Edge. They report in the "
            "journal Soil and Root Letters that trees linked to the fungus lost far fewer "
            "leaves in the dry summer of 2025. Voss said farmers might one day add it when "
            "planting new woods."
        ),
        facts=["Penmarrow", "Anneke Voss", "fungus that feeds water to oak roots",
               "Gadby Edge", "Soil and Root Letters"],
    ),
    dict(
        event="science",
        article=(
            "ULVERHOLT, Friday — At roughly 41,000 years old, a bone whistle found in a "
            "limestone rock shelter at Orrin Gorge may be the oldest musical instrument yet "
            "discovered, archaeologists from the University of Ulverholt said. The dig was "
            "directed by Halvard Mensah, whose team spent four summers at the site. Dates from "
            "17 samples were checked at a second laboratory in Brisling before the results went "
            "to the Bulletin of Prehistoric Acoustics, which published them this week."
        ),
        facts=["Ulverholt", "Halvard Mensah", "bone whistle", "Orrin Gorge",
               "Bulletin of Prehistoric Acoustics"],
    ),
]

OTHER_TOPICS_TEST = [
    dict(
        topic="ferry service cut",
        article=(
            "Islanders on Garra will lose their winter Sunday ferry from January, the operator "
            "Northsound Lines said on Monday. The company blamed rising fuel costs and falling "
            "passenger numbers, which it said had dropped by a fifth since 2023. From 5 January "
            "the MV Corrie Ann will sail between Garra and the mainland port of Dunmallow only "
            "six days a week. Community council chair Morag Leckie said the decision would "
            "leave elderly residents unable to reach hospital appointments. \"This is a "
            "lifeline, not a luxury,\" she said. Northsound said it would review the timetable "
            "in the spring and that summer sailings would not be affected. About 640 people "
            "live on the island all year round."
        ),
        summary=(
            "Northsound Lines will cut the winter Sunday ferry to Garra from January, blaming "
            "rising fuel costs and falling passenger numbers. Islanders said elderly residents "
            "would be unable to reach hospital appointments."
        ),
    ),
    dict(
        topic="library reopening",
        article=(
            "The Fennimore Street library in Ravensholt reopened on Saturday after a two-year, "
            "£4.2 million restoration that saved its Victorian reading room from collapse. "
            "Cracks in the roof beams had forced the building to close in 2024, and for a time "
            "the council considered selling it. Instead, volunteers raised £600,000 towards the "
            "work, and the rest came from a heritage grant. The reading room now has a glass "
            "lantern roof, and a former storeroom has become a children's library with 3,000 "
            "new books. Head librarian Tansy Ebdon said more than 1,200 people had come through "
            "the doors by lunchtime. \"People were queuing before we opened, some of them in "
            "tears,\" she said. The library will open seven days a week until the end of the "
            "year."
        ),
        summary=(
            "The Fennimore Street library in Ravensholt reopened on Saturday after a two-year, "
            "£4.2 million restoration that saved its Victorian reading room. More than 1,200 "
            "people came through the doors by lunchtime."
        ),
    ),
    dict(
        topic="chess tournament",
        article=(
            "A 14-year-old schoolgirl from Lenholm has won the Wessly Open chess tournament, "
            "beating a field that included three grandmasters. Yasmin Koury-Hale finished on "
            "7.5 points from nine games, half a point ahead of the top seed, Grandmaster Piotr "
            "Lisewski, with whom she drew in the final round. It is the first time a junior has "
            "won the event in its 52-year history. Koury-Hale, who learned to play from her "
            "grandfather, said she had not expected to finish in the top ten. \"I just tried "
            "to play one good move at a time,\" she said. The win earns her a place at the "
            "national championship in March. More than 180 players took part in the "
            "tournament, held over five days at Lenholm Town Hall."
        ),
        summary=(
            "Yasmin Koury-Hale, a 14-year-old schoolgirl from Lenholm, has won the Wessly Open "
            "chess tournament with 7.5 points from nine games. She is the first junior to win "
            "the event in its 52-year history."
        ),
    ),
    dict(
        topic="vaccine clinic",
        article=(
            "A walk-in flu vaccine clinic will open at the Brindlecombe shopping centre next "
            "week, as health officials try to reach people who have not yet been vaccinated. "
            "The clinic, in an empty unit beside the food court, will run from 14 December for "
            "three weeks, from 9am to 7pm every day. No appointment is needed. Figures from the "
            "district health board show that only 48 percent of people over 65 in Brindlecombe "
            "have had a flu vaccine this winter, compared with 71 percent last year. Public "
            "health director Dr Eamon Kittredge said hospitals were already seeing more flu "
            "admissions than usual for December. \"If you have been putting it off, this is "
            "the easiest it will ever be,\" he said. Nasal spray vaccines for children will "
            "also be available."
        ),
        summary=(
            "A walk-in flu vaccine clinic will open at the Brindlecombe shopping centre next "
            "week. Only 48 percent of people over 65 in Brindlecombe have had a flu vaccine "
            "this winter, compared with 71 percent last year."
        ),
    ),
    dict(
        topic="music festival",
        article=(
            "The Tarnside Folk Festival will move to a larger site next summer after selling "
            "out in record time this year. Organisers said on Wednesday that the three-day "
            "event would leave Corbie Meadows, its home since 1998, for the Aldmoor Estate, "
            "about two miles north of the town. The new site will hold 12,000 people a day, up "
            "from 7,500. All 22,500 tickets for this year's festival went within 40 minutes in "
            "March, and organisers said thousands of people had been turned away. Festival "
            "director Cerys Ambrose said the move would also allow a fourth stage for younger "
            "bands. Some residents near the new site have raised concerns about traffic on the "
            "narrow lane to the estate, and Ambrose said a shuttle bus would run from Tarnside "
            "station. Next year's festival will take place from 23 to 25 July."
        ),
        summary=(
            "The Tarnside Folk Festival will move to the larger Aldmoor Estate next summer "
            "after selling out in record time. The new site will hold 12,000 people a day, up "
            "from 7,500."
        ),
    ),
    dict(
        topic="factory closure",
        article=(
            "About 430 jobs will go when the Hollins & Pratt biscuit factory in Sallowby closes "
            "next autumn, its owner said on Thursday. Bracewell Group, which bought Hollins & "
            "Pratt in 2019, said the factory was too old to modernise and production would "
            "move to its plant in Poland. The site has made biscuits since 1931 and is the "
            "town's largest private employer. Union organiser Dafydd Rowe called the news \"a "
            "hammer blow\" and said workers had been told in a ten-minute meeting. The company "
            "said it would offer redundancy pay above the legal minimum and help staff find new "
            "work. The local MP, Gillian Oakes, said she would ask the company to sell the site "
            "to another food maker rather than close it."
        ),
        summary=(
            "About 430 jobs will go when the Hollins & Pratt biscuit factory in Sallowby closes "
            "next autumn. Owner Bracewell Group said the factory was too old to modernise and "
            "production would move to Poland."
        ),
    ),
    dict(
        topic="river cleanup",
        article=(
            "More than 300 volunteers pulled 4.6 tonnes of rubbish from the River Lessing on "
            "Sunday in the biggest clean-up the river has seen. Working in teams along a "
            "nine-mile stretch between Otterby and the estuary, they recovered 57 shopping "
            "trolleys, 31 tyres, two motorbikes and a safe, which police later confirmed had "
            "been stolen from a pharmacy in 2021. The event was organised by the Friends of the "
            "Lessing, a group set up three years ago by retired teacher Hugh Pendry. \"Every "
            "year we think there can't be any more, and every year there is,\" he said. The "
            "council provided skips and a lorry, and a local brewery donated lunch. Tests by "
            "the group show that sewage bacteria in the water have fallen since a leaking sewer "
            "pipe was repaired last spring."
        ),
        summary=(
            "More than 300 volunteers pulled 4.6 tonnes of rubbish from the River Lessing on "
            "Sunday, including 57 shopping trolleys, 31 tyres and a stolen safe, in the biggest "
            "clean-up the river has seen."
        ),
    ),
    dict(
        topic="new airline route",
        article=(
            "Skylark Air will start flying between Dunmarrow Airport and the island of Santa "
            "Lucera in April, the first direct link between the city and the island. The "
            "airline said on Tuesday that it would run three flights a week on the route, "
            "rising to five in the summer, using a 180-seat jet. Fares will start at 59 euros "
            "one way. Airport chief executive Lorna Whitcombe said the route had been the most "
            "requested by passengers in a survey last year. It is the airport's fourth new "
            "route this year, after a slump during which it lost almost half of its flights. "
            "Tickets go on sale on Friday."
        ),
        summary=(
            "Skylark Air will start flying between Dunmarrow Airport and Santa Lucera in April, "
            "with three flights a week rising to five in the summer. Fares will start at 59 "
            "euros one way."
        ),
    ),
    dict(
        topic="heatwave warning",
        article=(
            "Health officials have issued an amber heat-health alert for the Kestle Vale "
            "district, with temperatures expected to reach 36C by Thursday. It is the first "
            "amber alert of the summer and will run from Tuesday until at least Saturday "
            "morning. Nights are forecast to stay above 20C in towns, which doctors say is when "
            "the risk to older people is greatest. The district council said cooling centres "
            "would open in libraries in Brackenholt and Mirebeck, and that outdoor workers "
            "should take breaks in the shade. Care homes have been asked to check on residents "
            "every two hours. \"Drink water before you feel thirsty, and keep curtains closed "
            "during the day,\" said consultant Dr Anjali Sole. The last amber alert, in 2025, "
            "lasted six days."
        ),
        summary=(
            "Health officials have issued an amber heat-health alert for the Kestle Vale "
            "district, with temperatures expected to reach 36C by Thursday. Cooling centres "
            "will open in libraries in Brackenholt and Mirebeck."
        ),
    ),
    dict(
        topic="housing plan",
        article=(
            "Plans for 1,150 homes on farmland east of Stavenham have been approved by the "
            "district council, despite more than 2,000 objections. Councillors voted nine to "
            "four on Wednesday night to give outline permission to developer Ashlar Homes for "
            "the estate, which will include a primary school, a health centre and 35 percent "
            "affordable housing. Opponents said the roads and the town's sewage works could "
            "not cope. \"We are not against new homes, we are against this many in one "
            "place,\" said Marion Tilbrook of the Stavenham Fields campaign. The council's "
            "planning chief, Neville Osei, said the district had to meet a government target "
            "of 640 new homes a year. Building could start in 2028 if detailed plans are "
            "approved."
        ),
        summary=(
            "Plans for 1,150 homes on farmland east of Stavenham have been approved by the "
            "district council despite more than 2,000 objections. The estate will include a "
            "primary school and 35 percent affordable housing."
        ),
    ),
    dict(
        topic="teacher award",
        article=(
            "A physics teacher who started a rocket club with six pupils has been named "
            "national Teacher of the Year. Grainne Doherty-Walsh, who teaches at Hebble Moor "
            "Academy in Cresswick, received the award at a ceremony in the capital on Monday "
            "night. Judges praised the club she started in 2019, which has grown to more than "
            "90 members and last year sent a weather balloon to a height of 31 kilometres. "
            "Since she arrived, the number of pupils taking physics at A-level has tripled. "
            "Doherty-Walsh, 44, grew up on a farm and was the first in her family to go to "
            "university. \"The prize belongs to the kids,\" she said. The award comes with "
            "£10,000 for her school."
        ),
        summary=(
            "Grainne Doherty-Walsh, who teaches at Hebble Moor Academy in Cresswick, has been "
            "named national Teacher of the Year. Judges praised the rocket club she started in "
            "2019 with six pupils."
        ),
    ),
    dict(
        topic="data breach",
        article=(
            "The personal details of about 86,000 customers of Pennant Building Society may "
            "have been stolen in a cyber attack, the lender said on Friday. Names, addresses, "
            "dates of birth and partial bank details were taken from a system used to process "
            "mortgage applications, it said. Passwords and card numbers were not affected. The "
            "society said it had discovered the breach on 28 November and had informed the "
            "police and the data regulator. \"We are deeply sorry, and we are contacting every "
            "customer affected,\" said chief operating officer Marcus Hendle. Customers will be "
            "offered two years of free credit monitoring. Security researcher Tova Lindahl said "
            "mortgage data was valuable to criminals because it could be used to write "
            "convincing scam emails."
        ),
        summary=(
            "The personal details of about 86,000 customers of Pennant Building Society may "
            "have been stolen in a cyber attack on a system used to process mortgage "
            "applications, the lender said on Friday."
        ),
    ),
    dict(
        topic="art theft",
        article=(
            "A small oil painting by the 19th-century landscape artist Edmund Varley was stolen "
            "from the Ledwell Art Gallery in Harnbury during opening hours on Saturday, police "
            "said. The picture, \"Evening at Skell Bridge\", measures just 30 by 40 centimetres "
            "and is valued at about £250,000. Staff noticed it was missing shortly before "
            "closing time; its empty frame had been left on the wall. Police believe the thief "
            "cut the canvas out with a blade while the room was unattended for several minutes. "
            "Gallery director Imogen Trask said the painting had been given to the town in 1921 "
            "and was \"part of Harnbury's story\". Detectives have asked anyone who visited the "
            "gallery between 2pm and 5pm to contact them."
        ),
        summary=(
            "A small oil painting by the 19th-century artist Edmund Varley, valued at about "
            "£250,000, was stolen from the Ledwell Art Gallery in Harnbury during opening "
            "hours on Saturday, police said."
        ),
    ),
    dict(
        topic="dog show",
        article=(
            "A three-year-old wire-haired dachshund called Bramble was named best in show at "
            "the Aldenmoor County Dog Show on Sunday, beating more than 1,400 entries. Bramble, "
            "owned by retired postman Clifford Rusk from Upper Wendle, had never won a prize "
            "before this year. The judge, Sheila Mortlake, said the dog had \"a perfect coat "
            "and the confidence of a much bigger animal\". The show, now in its 87th year, "
            "raised £18,000 for the county's animal rescue centre. Rusk said Bramble would "
            "celebrate with \"a sausage, and then a long sleep\"."
        ),
        summary=(
            "A three-year-old wire-haired dachshund called Bramble was named best in show at "
            "the Aldenmoor County Dog Show on Sunday, beating more than 1,400 entries. The show "
            "raised £18,000 for animal rescue."
        ),
    ),
    dict(
        topic="school bus strike",
        article=(
            "Drivers who take about 2,300 children to school in the Tullowmere area will strike "
            "for three days next week in a row over pay, their union has said. Members employed "
            "by Greenlane Coaches voted by a large majority to walk out on Tuesday, Wednesday "
            "and Thursday after rejecting a 3 percent pay offer. The company says it cannot "
            "afford more without cutting routes. Union official Brendan Feeney said drivers had "
            "been paid less than lorry drivers for years and many were leaving the job. The "
            "county council said parents should make other arrangements, and schools said "
            "pupils who could not get in would be given work to do at home. Talks are due to "
            "resume on Monday."
        ),
        summary=(
            "Drivers who take about 2,300 children to school in the Tullowmere area will strike "
            "for three days next week in a row over pay, after rejecting a 3 percent pay offer."
        ),
    ),
]
