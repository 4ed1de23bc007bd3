"""Hand-written DEV set of news articles: in-domain shapes the generator never writes, and
other topics.

Written by hand on 5 Dec 2026 as the DEV set: it is used to choose designs (models, decoding,
data settings), so scores on it are not a final, held-out measure. No text was copied from
real news; every person, place, club, firm, storm, party and journal is invented and none is
in ``trax_models.sources.entities``'s lists. The corpus generator
(``trax_models.sources.news``) never wrote these sentence shapes: the scorer named before
the result, a "Final score:" line, the figure first, passive voice, pronouns after the first
mention, questions, lists, datelines, quotes, and context sentences before the event.

``NEW_SHAPES_DEV``: 24 dicts, 4 per event type of the generator (sports, earnings, weather,
election, court, science), each ``dict(event=..., article=..., facts=[...])``. ``article`` is
35-140 words in 2-7 sentences, with some other names and numbers beside the event's.
``facts`` are strings that occur verbatim (case-sensitive) in the article and that a good
1-2 sentence summary of the event must contain, per type where the article states them:
  sports: winner, loser, winner's score, loser's score, town, day, main scorer;
  earnings: company, quarter word, "rose"/"fell" (only when so worded), percent, revenue
    (millions), chief executive, product;
  weather: storm name (without "Storm"), rain (millimetres), region, day, homes without
    power, town;
  election: winner, party, town, winner's percent, runner-up, turnout percent;
  court: town of the court, defendant, charge, day, judge, years of the sentence;
  science: the university's town, team leader, finding, place of discovery, journal.

``OTHER_TOPICS_DEV``: 15 dicts ``dict(topic=..., article=..., summary=...)`` of news of other
kinds than the six (rail strike, product launch, ...): ``article`` is 60-200 words in 3-9
sentences, ``summary`` a 1-2 sentence reference highlight (20-40 words) that mostly reuses
the article's words.
"""

NEW_SHAPES_DEV = [
    # --- sports ---------------------------------------------------------------------------
    dict(event="sports", article=(
        "Two goals from Siobhan Kearney gave Drumcashel Otters a 2-1 win over Varnholm Storks "
        "on Saturday. The match at Quarry Park in Kilbrannagh was watched by 6,412 people. "
        "Kearney, 19, scored once in each half. \"She has been waiting for this chance all "
        "season,\" said the Otters manager, Tomas Eklund. The Storks pulled one back through a "
        "late penalty from Kwame Asante but could not find an equaliser."),
        facts=["Drumcashel Otters", "Varnholm Storks", "2", "1", "Kilbrannagh", "Saturday",
               "Siobhan Kearney"]),
    dict(event="sports", article=(
        "Final score: Osterfjord Ravens 0, Tamboro Leopards 2. The visitors were in control "
        "from the first minute in Halvorstad on Wednesday night. Both goals came from Chidi "
        "Okonkwo-Bassey, who headed in a corner after twelve minutes and added a second just "
        "before the break. \"We were second to every ball,\" admitted Ravens coach Lars-Erik "
        "Solberg. The Leopards now sit three points clear at the top, with 11 games left."),
        facts=["Tamboro Leopards", "Osterfjord Ravens", "2", "0", "Halvorstad", "Wednesday",
               "Chidi Okonkwo-Bassey"]),
    dict(event="sports", article=(
        "Could anyone stop Quillan Bay Herons? Not Tarrant Vale Swifts, it turned out. The "
        "Swifts were beaten 4-3 by the Herons in a wild game at Ardnagh on Sunday afternoon, "
        "their fifth defeat in a row. Mei-Lin Xu scored a hat-trick for the Herons, the last "
        "of her three goals coming in stoppage time. The Swifts had led 3-1 at half-time in "
        "front of 3,250 supporters. Their captain, Ruairi Flanagan, said the dressing room was "
        "\"silent\" afterwards."),
        facts=["Quillan Bay Herons", "Tarrant Vale Swifts", "4", "3", "Ardnagh", "Sunday",
               "Mei-Lin Xu"]),
    dict(event="sports", article=(
        "SKARVIK, Thursday - Nordvik Polar Bears are through to the cup final. They beat "
        "Oduya Road Hornets 5-2 in front of 8,940 fans at the Skarvik Arena, with Ingrid "
        "Halvorsen-Moe scoring three times. The other goals were scored by Bo Lindahl and Femi "
        "Adebayo. Hornets goalkeeper Andile Khumalo faced 41 shots. The final will be played "
        "on 14 March against either Corrib Stags or Benmore Pike."),
        facts=["Nordvik Polar Bears", "Oduya Road Hornets", "5", "2", "Skarvik", "Thursday",
               "Ingrid Halvorsen-Moe"]),
    # --- earnings -------------------------------------------------------------------------
    dict(event="earnings", article=(
        "$318 million: that is what Corvantis Biolabs reported in revenue for its third "
        "quarter, a figure well above what most analysts had expected. Sales were up 14 "
        "percent on the same period last year. The firm's chief executive, Aoife Brannigan, "
        "put the jump down to hospital orders for its rapid blood-testing kits. \"Clinics that "
        "tried them kept buying them,\" she told investors on a call. Shares in the firm "
        "closed 6 percent higher."),
        facts=["Corvantis Biolabs", "third", "14", "318", "Aoife Brannigan",
               "rapid blood-testing kits"]),
    dict(event="earnings", article=(
        "It was a bruising quarter for Halden & Moss Shipyards. Sales of $1,204 million were "
        "booked in the second quarter, the shipbuilder said on Tuesday, after revenue fell 9 "
        "percent from a year earlier. Orders for its river ferries dried up as two large "
        "buyers delayed contracts, according to Mikkel Aasgaard, its chief executive. He said "
        "the order book should recover by the spring. Its smaller rival, Tengku Marine, "
        "reported flat sales for the same period."),
        facts=["Halden & Moss Shipyards", "second", "fell", "9", "1,204", "Mikkel Aasgaard",
               "river ferries"]),
    dict(event="earnings", article=(
        "What drove Sunwala Textiles to its best fourth quarter in a decade? Three things, "
        "according to chief executive Rahul Menon-Iyer: cheaper cotton, a weaker currency and, "
        "above all, demand for its bamboo bedsheets. Its revenue rose 22 percent, to $476 "
        "million. The company also said it would open a second factory in Chittagar next "
        "year, creating about 1,300 jobs. Analyst Beatriz Quiroga of Fenwick Ridge Capital "
        "called the results \"a clean beat\"."),
        facts=["Sunwala Textiles", "fourth", "rose", "22", "476", "Rahul Menon-Iyer",
               "bamboo bedsheets"]),
    dict(event="earnings", article=(
        "A first-quarter loss was avoided at Brannock Aerial, but only just. The drone-mapping "
        "company reported revenue of $152 million on Friday, 3 percent lower than a year "
        "earlier, as farmers cut back on crop-survey flights. Chief executive Solveig Arnesen "
        "said wet weather had kept many of its pilots on the ground for weeks. She expects a "
        "stronger summer and has no plans to cut jobs. A rival, Kestrup Geodata, said last "
        "month that its own sales had dropped by 11 percent."),
        facts=["Brannock Aerial", "first", "3", "152", "Solveig Arnesen",
               "crop-survey flights"]),
    # --- weather --------------------------------------------------------------------------
    dict(event="weather", article=(
        "More than 130 millimetres of rain was dumped on the Corrymore peninsula by Storm "
        "Oisin on Tuesday, turning the main street of Ballyfearna into a river. By midnight, "
        "the network operator said, 9,750 homes in and around the town had no power. \"I've "
        "lived here 60 years and never seen the water this high,\" said shopkeeper Deirdre "
        "Moynihan. Schools on the peninsula will stay shut until Thursday."),
        facts=["Oisin", "130", "the Corrymore peninsula", "Tuesday", "9,750", "Ballyfearna"]),
    dict(event="weather", article=(
        "Snow in April? Hardly anyone in Trondvika had planned for it. Storm Sigrunn arrived "
        "over the Hallingstad fjords on Saturday with sleet, snow and 62 millimetres of rain, "
        "and by nightfall 12,400 homes in Trondvika had no electricity. The grid company said "
        "frozen lines were slowing its repairs. Ferry crossings to the outer islands were "
        "suspended until Monday, and two mountain roads stayed closed."),
        facts=["Sigrunn", "62", "the Hallingstad fjords", "Saturday", "12,400", "Trondvika"]),
    dict(event="weather", article=(
        "Storm Makena made landfall on the Kilindi coast early on Monday. It brought 210 "
        "millimetres of rain in 24 hours, more than the region usually sees in a month, and "
        "winds of up to 140 kilometres per hour. Among the damage: a collapsed bridge, two "
        "flooded clinics and 3,080 homes without power in Mbarani. Regional governor Wanjiru "
        "Ochieng asked residents to stay indoors until the rivers fall."),
        facts=["Makena", "210", "the Kilindi coast", "Monday", "3,080", "Mbarani"]),
    dict(event="weather", article=(
        "\"We lost the roof of the barn in about ten seconds,\" said Hamish Urquhart, a farmer "
        "near Glenaskie. He was one of many in the Strathbrora glens hit by Storm Ffion on "
        "Thursday, when 88 millimetres of rain fell in six hours. In Glenaskie itself, 27,315 "
        "homes went dark as lines came down. Engineers hoped to reconnect most of them by "
        "Sunday."),
        facts=["Ffion", "88", "the Strathbrora glens", "Thursday", "27,315", "Glenaskie"]),
    # --- election -------------------------------------------------------------------------
    dict(event="election", article=(
        "Dara Ni Bhriain will be the next mayor of Carrigmoyle after a landslide for the "
        "Coastal Workers' Bloc. She won 61 percent of the vote on Sunday, well ahead of the "
        "sitting mayor, Conleth Furey, on 33 percent. Turnout rose to 57 percent, up from 44 "
        "percent four years ago. \"People wanted someone who answers the phone,\" she said in "
        "her victory speech."),
        facts=["Dara Ni Bhriain", "Coastal Workers' Bloc", "Carrigmoyle", "61",
               "Conleth Furey", "57"]),
    dict(event="election", article=(
        "Results from the mayoral race in Vestmark, where 71,204 votes were cast: Henrik "
        "Stavnes (Fjord Democrats) 54 percent; Aylin Demirci (Open City) 38 percent; others 8 "
        "percent. Of those registered, 63 percent voted, officials said. Stavnes, a former "
        "ferry captain, becomes the town's first mayor from the Fjord Democrats in 20 years. "
        "Demirci said she would stay on the council."),
        facts=["Henrik Stavnes", "Fjord Democrats", "Vestmark", "54", "Aylin Demirci", "63"]),
    dict(event="election", article=(
        "Who will run Ikerewa for the next four years? The answer came late on Friday: Folake "
        "Adesanya of the Harmattan Party was declared mayor with 52 percent, edging out Tunde "
        "Bakare-Ilori by fewer than 900 votes. Only 39 percent of registered voters cast a "
        "ballot, the lowest turnout in the town's history. Bakare-Ilori has asked for a recount "
        "in two wards."),
        facts=["Folake Adesanya", "Harmattan Party", "Ikerewa", "52", "Tunde Bakare-Ilori",
               "39"]),
    dict(event="election", article=(
        "For 16 years, the mayor's office in San Aurelio belonged to the Blue Lantern "
        "Coalition. That ended on Sunday. Lucia Ferreira-Montes of the Union Verde took 58.4 "
        "percent of the vote, and her main opponent, Rafael Castellanos Duarte, conceded "
        "before midnight. Election officials said 66 percent of voters had taken part. "
        "Ferreira-Montes, 41, is a former schoolteacher who has promised free buses."),
        facts=["Lucia Ferreira-Montes", "Union Verde", "San Aurelio", "58.4",
               "Rafael Castellanos Duarte", "66"]),
    # --- court ----------------------------------------------------------------------------
    dict(event="court", article=(
        "Padraig Mulvihill, a former harbour master, was jailed for six years at Kilcreevan "
        "Circuit Court on Wednesday for falsifying safety records. The court heard that he "
        "signed off on 37 inspections that never took place. Judge Eithne Corcoran said his "
        "lies had \"put every crew in danger\". His lawyer, Grainne Walsh, said he would "
        "appeal."),
        facts=["Kilcreevan", "Padraig Mulvihill", "falsifying safety records", "Wednesday",
               "Eithne Corcoran", "six"]),
    dict(event="court", article=(
        "Nine years in prison: that was the sentence Judge Kofi Mensah-Bonsu handed to Yaw "
        "Darko-Asamoah in Akrofuom on Monday. Darko-Asamoah, 44, had been convicted of "
        "smuggling protected ivory through a timber business he ran near the border. "
        "Prosecutor Abena Owusu said 2,300 kilograms had been seized since 2023. He showed no "
        "reaction as the nine-year sentence was read."),
        facts=["Akrofuom", "Yaw Darko-Asamoah", "smuggling protected ivory", "Monday",
               "Kofi Mensah-Bonsu", "nine"]),
    dict(event="court", article=(
        "Did Astrid Lundgren-Holm know the pension fund was empty? A jury in Falkvik decided "
        "that she did. On Thursday she was convicted of pension theft, and Judge Nils Ekdahl "
        "gave her 4 years, saying she had shown \"no remorse at all\". More than 1,100 former "
        "workers of a closed paper mill lost savings. \"It is some comfort,\" said one of them, "
        "Per Vikstrom, 71."),
        facts=["Falkvik", "Astrid Lundgren-Holm", "pension theft", "Thursday", "Nils Ekdahl",
               "4"]),
    dict(event="court", article=(
        "HAIRONG, Friday - The owner of a chain of private clinics, Tan Wei Ming, was ordered "
        "to serve 12 years after being found guilty of selling counterfeit cancer drugs. Judge "
        "Lim Soo-jin read out the verdict to a packed courtroom in Hairong. Two pharmacists "
        "who worked for him received suspended sentences. Health officials said about 450 "
        "patients had been treated with the fake medicines."),
        facts=["Hairong", "Tan Wei Ming", "selling counterfeit cancer drugs", "Friday",
               "Lim Soo-jin", "12"]),
    # --- science --------------------------------------------------------------------------
    dict(event="science", article=(
        "Divers from the University of Lisnabrack have identified a blind cave fish in the "
        "flooded tunnels beneath Carranmore Hill. The animal, about 6 centimetres long, has no "
        "eyes and almost no colour. \"We swam past it twice before we realised what it was,\" "
        "said Niamh Rafferty, who led the team. Their description appears in Hydrobiology "
        "Quarterly. A second expedition is planned for 2027."),
        facts=["Lisnabrack", "Niamh Rafferty", "a blind cave fish", "Carranmore Hill",
               "Hydrobiology Quarterly"]),
    dict(event="science", article=(
        "How did early farmers on the edge of the desert store their grain? A team from the "
        "University of Timbara, led by archaeologist Amadou Diallo-Kone, thinks it has the "
        "answer: a network of clay grain silos, buried under dunes near Tessoura Oasis. "
        "Radiocarbon tests date them to about 3,400 years ago. The results are published in "
        "the Journal of Desert Archaeology. Local guides helped the 11 researchers find the "
        "site."),
        facts=["Timbara", "Amadou Diallo-Kone", "a network of clay grain silos",
               "Tessoura Oasis", "Journal of Desert Archaeology"]),
    dict(event="science", article=(
        "Evidence of a planet twice the size of Earth, circling a nearby red dwarf, has been "
        "spotted by astronomers at the University of Hvalsund. The faint signal was picked up "
        "at the Kjeldberg Observatory. Sigrid Thorvaldsen, who led the search, said she and her "
        "colleagues watched the star for 212 nights. The work is described in Stellar Dynamics "
        "Letters. Another group, led by Hiroshi Tanabe, is now checking the result with a "
        "second telescope."),
        facts=["Hvalsund", "Sigrid Thorvaldsen", "a planet twice the size of Earth",
               "Kjeldberg Observatory", "Stellar Dynamics Letters"]),
    dict(event="science", article=(
        "Rice farmers along the Mekara River had long noticed that some paddies never suffered "
        "from blight. Now scientists think they know why. Researchers at the University of "
        "Lamphan, working under Nguyen Thi Lan, have isolated a soil fungus that protects rice "
        "roots. Samples were taken from 48 paddies on the Mekara River over three seasons. The "
        "study, published in Plant Root Ecology, was funded by a farmers' cooperative."),
        facts=["Lamphan", "Nguyen Thi Lan", "a soil fungus that protects rice roots",
               "the Mekara River", "Plant Root Ecology"]),
]

OTHER_TOPICS_DEV = [
    dict(topic="rail strike", article=(
        "Train drivers on the Eastern Loop network will walk out for 48 hours from Tuesday, "
        "their union said on Friday, after talks over pay broke down. The strike by members of "
        "the Locomotive Crews Association is expected to cancel about 1,400 services a day "
        "between Marrowgate and the coastal towns. Union leader Declan Hoare said drivers had "
        "been offered a 2 percent rise, well below inflation. \"Nobody wants to strike, but our "
        "members cannot keep falling behind,\" he said. The network's operator, Loopline, said "
        "it would run a reduced timetable and urged passengers to travel only if necessary. It "
        "is the third strike on the network this year."),
        summary=(
        "Train drivers on the Eastern Loop network will walk out for 48 hours from Tuesday "
        "after talks over pay broke down, cancelling about 1,400 services a day.")),
    dict(topic="product launch", article=(
        "Kettlewick, a small appliance maker based in Orlsby, on Wednesday launched a kettle "
        "that it says boils water using 40 percent less electricity than standard models. The "
        "Ember One, which goes on sale next month for 89 pounds, has an insulated double wall "
        "and a sensor that stops heating at the chosen temperature. Founder Ingeborg Raske said "
        "the idea came from watching her grandmother reheat the same pot of water four times a "
        "day. The company has raised 3 million pounds from investors and plans to sell in six "
        "countries by the end of next year. Early reviewers praised the design but said the "
        "kettle was slow to fill."),
        summary=(
        "Appliance maker Kettlewick launched the Ember One, a kettle it says uses 40 percent "
        "less electricity than standard models. It goes on sale next month for 89 pounds.")),
    dict(topic="hospital opening", article=(
        "A new children's hospital opened its doors in Rathcoole Bridge on Monday, ending a "
        "90-minute journey for families who previously had to travel to the capital for "
        "specialist care. The 120-bed St Brigid's Children's Hospital cost 410 million euros "
        "and took five years to build. Its first patient, a seven-year-old boy with a broken "
        "arm, was treated within 20 minutes of arriving, staff said. Health minister Orla "
        "Cregan, who cut the ribbon, called it \"a promise kept\". The hospital will employ "
        "about 900 staff when it is fully open next spring. Some local groups have criticised "
        "the lack of parking at the site."),
        summary=(
        "A new 120-bed children's hospital opened in Rathcoole Bridge on Monday. St Brigid's "
        "Children's Hospital cost 410 million euros and will employ about 900 staff.")),
    dict(topic="tennis final", article=(
        "Yuki Haramoto won her first major title on Sunday, beating top seed Valentina Orsini "
        "6-4, 3-6, 7-5 in the final of the Calderon Open. The 20-year-old saved two match "
        "points in the third set before breaking Orsini's serve in the final game. \"I stopped "
        "thinking and just hit the ball,\" Haramoto said afterwards. The match lasted two hours "
        "and 51 minutes, the longest women's final in the tournament's history. Haramoto, who "
        "was ranked 64th at the start of the year, will rise into the world's top 20 on "
        "Monday. Orsini said a shoulder problem had bothered her since the semi-final."),
        summary=(
        "Yuki Haramoto, 20, won her first major title on Sunday, beating top seed Valentina "
        "Orsini 6-4, 3-6, 7-5 in the final of the Calderon Open after saving two match "
        "points.")),
    dict(topic="museum exhibition", article=(
        "An exhibition of boats built by hand over four centuries opens at the Maritime Museum "
        "of Skelholm on Saturday. \"Wood and Water\" brings together 35 vessels, from a "
        "17th-century fishing skiff to a racing canoe made last year by students at the local "
        "college. Curator Freya Nygaard said several of the boats had never been shown in "
        "public before. The largest, a 14-metre ferry, had to be lifted into the hall through "
        "the roof. Entry is free for children, and the show runs until the end of September."),
        summary=(
        "\"Wood and Water\", an exhibition of 35 boats built by hand over four centuries, opens "
        "at the Maritime Museum of Skelholm on Saturday and runs until the end of "
        "September.")),
    dict(topic="school inspection", article=(
        "Inspectors have rated Hollin Lane Primary School in Brackwater as \"outstanding\", less "
        "than three years after it was told it needed to improve. The report, published on "
        "Thursday, praised the school's reading programme and said pupils were \"confident, "
        "curious and kind\". Head teacher Chinedu Obi, who joined in 2024, said the turnaround "
        "was \"a team effort from the dinner staff upwards\". The school has 412 pupils, and "
        "about a third speak a language other than English at home. Inspectors said "
        "attendance, which had been a concern, was now above the national average."),
        summary=(
        "Inspectors have rated Hollin Lane Primary School in Brackwater as \"outstanding\", "
        "less than three years after it was told it needed to improve.")),
    dict(topic="bridge closure", article=(
        "The Saltmarsh Bridge, the main road link between Dunbarrow and the Ellery islands, "
        "will close for eight months from June for urgent repairs, the county council said on "
        "Tuesday. Engineers found corrosion in 14 of the steel cables that hold up the "
        "60-year-old bridge. About 11,000 vehicles cross it each day. A free shuttle ferry "
        "will run every 20 minutes during the closure, and one lane will stay open for "
        "emergency vehicles. Council leader Matteo Ricci said the repairs would cost 23 "
        "million euros. Businesses on the islands warned that the closure could hit the summer "
        "tourist season."),
        summary=(
        "The Saltmarsh Bridge between Dunbarrow and the Ellery islands will close for eight "
        "months from June after engineers found corrosion in 14 of its steel cables.")),
    dict(topic="recipe contest", article=(
        "A retired postman from Tobarnagh has won the National Home Baking Cup with a rhubarb "
        "and ginger tart. Seamus Kinsella, 72, beat 1,900 other entries and took home a prize "
        "of 5,000 euros on Saturday. The judges, led by pastry chef Amara Nwosu, said his "
        "pastry was \"as light as anything we have tasted this year\". Kinsella said he had "
        "only started baking after his wife died in 2021. \"She left me a notebook of recipes, "
        "and I have been working through it ever since,\" he said. His winning tart will be "
        "served at the competition's gala dinner next month."),
        summary=(
        "Retired postman Seamus Kinsella, 72, from Tobarnagh won the National Home Baking Cup "
        "and a prize of 5,000 euros with a rhubarb and ginger tart, beating 1,900 other "
        "entries.")),
    dict(topic="space launch", article=(
        "A rocket carrying the Brisa-2 weather satellite lifted off from the Punta Lobos "
        "spaceport at 06:14 on Thursday, the national space agency said. The satellite will "
        "watch for storms over the southern Atlantic and send back images every ten minutes. "
        "About 40 minutes after launch, it separated from the rocket's upper stage and reached "
        "its planned orbit. Mission director Camila Reyes-Ortiz said engineers were \"very "
        "happy\" with the first signals. The launch had been delayed twice last month because "
        "of high winds. Brisa-2 replaces a satellite that has been in service since 2014."),
        summary=(
        "A rocket carrying the Brisa-2 weather satellite lifted off from the Punta Lobos "
        "spaceport on Thursday, and the satellite reached its planned orbit, the national "
        "space agency said.")),
    dict(topic="wildfire", article=(
        "Firefighters were battling a wildfire that had burned about 3,600 hectares of forest "
        "near Aldeia Fria by Wednesday evening, forcing some 800 residents to leave their "
        "homes. More than 250 firefighters, supported by six water-bombing planes, were "
        "working to stop the flames from reaching the village, officials said. Hot winds and "
        "temperatures of 41 degrees were making the work harder. No injuries have been "
        "reported. Regional fire chief Joao Matos said the fire may have been started by "
        "sparks from farm machinery. It is the largest fire in the area since 2017."),
        summary=(
        "A wildfire had burned about 3,600 hectares of forest near Aldeia Fria by Wednesday "
        "evening, forcing some 800 residents to leave their homes as more than 250 "
        "firefighters battled the flames.")),
    dict(topic="transport fare rise", article=(
        "Bus and tram fares in Caerwenna will rise by an average of 7 percent from 1 January, "
        "the city's transport authority announced on Monday. A single adult ticket will go up "
        "from 2.40 to 2.60, while the monthly pass will rise to 74. The authority said fuel, "
        "wages and the cost of new electric buses had pushed up its costs. Passenger groups "
        "called the rise \"a kick in the teeth\" for commuters. Fares for children and "
        "pensioners will stay the same. The city council will vote on the plan next week, and "
        "it is expected to pass."),
        summary=(
        "Bus and tram fares in Caerwenna will rise by an average of 7 percent from 1 January, "
        "the city's transport authority announced, blaming fuel, wages and new electric "
        "buses.")),
    dict(topic="charity run", article=(
        "More than 6,000 runners took part in the Lantern Run through the streets of Ostby on "
        "Sunday evening, raising 310,000 kroner for the town's hospice. Runners carried small "
        "lights along the 5-kilometre route, which passed the harbour and the old cathedral. "
        "The oldest participant, 91-year-old Gudrun Eliassen, walked the course with her "
        "great-grandchildren. Organiser Torbjorn Vik said the event had grown from 200 runners "
        "when it started in 2015. Next year's run will be held on the first Sunday of "
        "November."),
        summary=(
        "More than 6,000 runners took part in the Lantern Run through the streets of Ostby on "
        "Sunday evening, raising 310,000 kroner for the town's hospice.")),
    dict(topic="zoo birth", article=(
        "Keepers at Halloran Wildlife Park are celebrating the birth of twin snow leopard "
        "cubs, the first born at the park in its 40-year history. The cubs, a male and a "
        "female, were born on 12 May to their mother, Tashi, and have been kept out of view so "
        "that they can bond with her. Head keeper Ruth Amankwah said both were feeding well "
        "and had already doubled their birth weight. Snow leopards are listed as vulnerable, "
        "with fewer than 7,000 thought to live in the wild. The park plans to let visitors see "
        "the cubs from July and will hold a public vote to name them."),
        summary=(
        "Halloran Wildlife Park is celebrating the birth of twin snow leopard cubs, the first "
        "born at the park in its 40-year history. Visitors will see the cubs from July.")),
    dict(topic="software outage", article=(
        "Thousands of shops were unable to take card payments for nearly four hours on "
        "Saturday after a software update at payments firm Paydrift went wrong. The problem "
        "began at about 11:00 and hit card readers in supermarkets, cafes and petrol stations "
        "across the country. Paydrift said the faulty update to its servers had been rolled "
        "back by 14:50. \"We are deeply sorry for the disruption on one of the busiest "
        "shopping days of the month,\" said chief technology officer Anders Brekke. Some shops "
        "put up signs asking for cash, while others closed early. The firm said it would "
        "compensate affected businesses."),
        summary=(
        "Thousands of shops were unable to take card payments for nearly four hours on "
        "Saturday after a software update at payments firm Paydrift went wrong.")),
    dict(topic="farm prices", article=(
        "Prices paid to dairy farmers have fallen for the fifth month in a row, according to "
        "figures from the Farmers' Cooperative of Lennox Vale published on Friday. Milk now "
        "fetches 31 cents a litre at the farm gate, down from 42 cents a year ago. Farmers "
        "blame a surplus of milk powder on world markets and weaker demand abroad. \"At these "
        "prices, most of us are losing money on every litre,\" said Kathleen Doherty, who "
        "milks 160 cows near Ardfinnan. The cooperative expects prices to recover slightly by "
        "the autumn. Some farmers have already begun selling part of their herds."),
        summary=(
        "Prices paid to dairy farmers have fallen for the fifth month in a row, with milk now "
        "fetching 31 cents a litre at the farm gate, down from 42 cents a year ago.")),
]
