"""The words the generated workspaces are named from: people's names and company names' parts.

Two vocabularies: the wide one (`/whoknows`: ~330 first and ~550 last names drawn with Zipf-like
weights, rarer surnames built from parts, accents included), and the short one the nudge workspace
draws from uniformly (its figures were measured with these words: changing them changes its data).
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


# The wide vocabulary -------------------------------------------------------------------------------
#: Names, most common first: the weights fall with the rank (Zipf-like), so some names repeat often.
FIRST_NAMES = _words(
    """
James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph
Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Maria Anthony Sandra Mark Margaret
José Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kevin Amanda Brian Melissa George
Deborah Timothy Stephanie Ronald Rebecca Jason Laura Edward Helen Jeffrey Sharon Ryan Cynthia Jacob Kathleen
Gary Amy Nicholas Angela Eric Anna Stephen Brenda Justin Emma Scott Nicole Brandon Samantha Benjamin
Katherine Samuel Christine Gregory Rachel Alexander Catherine Patrick Carolyn Frank Janet Jack Ruth Dennis
Heather Tyler Diane Aaron Olivia Julie Adam Joyce Henry Victoria Nathan Kelly Zachary Christina Douglas
Lauren Peter Joan Kyle Evelyn Noah Judith Ethan Megan Jeremy Andrea Walter Hannah Keith Jacqueline Roger
Martha Sean Teresa Gerald Sara Carl Madison Harold Frances Dylan Arthur Janice Lawrence Jean Jordan Abigail
Jesse Alice Bryan Sophia Bruce Grace Gabriel Denise Logan Amber Alan Danielle Albert Isabella Elijah
Theresa Diana Vincent Natalie Mason Charlotte Roy Marie Ralph Alexis Russell François Hélène Zoë Chloé Léa
Renée Agnès Jérôme Cédric Noémie Thérèse Éric Stéphane Anaïs Maëlle Gaëlle Loïc Benoît Françoise Clément
Inès Jürgen Jörg Björn Søren Åsa Günther Käthe Lukas Tobias Felix Moritz Johannes Katrin Ulrike Sabine
Heike Birgit Ramón Sebastián Andrés Jesús Raúl Óscar Álvaro Lucía Begoña Joaquín Martín Ángel Mónica
Verónica Rocío Sofía Ana Carmen Pilar Javier Alejandro Fernando Miguel Diego Pablo Giulia Giuseppe
Francesca Alessandro Lorenzo Matteo Chiara Niccolò João Conceição Gonçalo Luís Paweł Łukasz Michał
Małgorzata Zofia Wojciech Agnieszka Krzysztof Tomasz Jiří Tomáš Lucie Zdeněk Ondřej Dušan Milan Nikola
Ivana Dragan Mehmet Ayşe Emre Zeynep Özlem Gökhan Priya Rahul Anjali Vikram Arjun Deepak Sunita Ravi
Ananya Wei Li Jing Hui Yan Min Jun Hiroshi Yuki Haruto Sakura Kenji Aiko Minh Linh Kwame Amara Chidi
Ngozi Fatima Ahmed Omar Layla Yusuf Karim Leïla Nadia Samir Mohammed Olga Ivan Dmitri Natalia Sergei
Anastasia Pavel Ingrid Astrid Sigrid Lars Nils Erik Anders Maja Freya Oskar Emil Aino Eero Jukka Päivi
Siobhán Seán Niamh Aoife Ciarán Eoin Róisín
"""
)

LAST_NAMES = [
    *_words(
        """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson
Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis
Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera
Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart
Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim
Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo
Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler
Henderson Barnes Fisher Vasquez Simmons Romero Patterson Hamilton Graham Reynolds Griffin Wallace Moreno
West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens
Harrison McDonald Woods Washington Kennedy Wells Vargas Chen Freeman Webb Tucker Guzman Burns Crawford Olson
Simpson Porter Hunter Gordon Silva Shaw Snyder Mason Dixon Muñoz Hunt Hicks Holmes Palmer Black Robertson
Boyd Rose Stone Salazar Fox Warren Mills Rice Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan
Gardner Payne Grant Dunn Spencer Hawkins Pierce Hart Bradley Knight Elliott Cunningham Duncan Armstrong
Hudson Carroll Lane Riley Andrews Ray Berry Perkins Hoffman Johnston Matthews Richards Willis Carpenter
Müller Schneider Fischer Weber Meyer Wagner Becker Schulz Schäfer Koch Bauer Richter Klein Wolf Schröder
Neumann Schwarz Zimmermann Braun Krüger Hartmann Lange Schmitt Werner Krause Lehmann Köhler König Huber
Kaiser Fuchs Scholz Möller Weiß Hahn Vogel Friedrich Keller Berger Winkler Roth Lorenz Baumann Böhm Jäger
Bernard Dubois Petit Durand Leroy Moreau Laurent Lefèvre Michel Bertrand Roux Fournier Morel Girard André
Mercier Dupont Lambert Bonnet Legrand Garnier Faure Rousseau Blanc Guérin Roussel Perrin Mathieu Gauthier
Chevalier Masson Gérard Boyer Lemaire Duval Joly Roche Noël Meunier Marchand Dufour Blanchard Barbier
Brunet Leroux Renard Arnaud Caron Aubert Leclerc Vidal Bourgeois Lemoine Picard Lacroix Fabre Dupuis Rivière
Ménard Fleury Deschamps Prévost Poirier Carré Rémy Fernández González Rodríguez López Martínez
Sánchez Pérez Gómez Jiménez Hernández Díaz Álvarez Alonso Gutiérrez Navarro Domínguez Vázquez Serrano
Blanco Suárez Molina Ortega Delgado Rubio Marín Sanz Núñez Iglesias Garrido Cortés Lozano Guerrero Prieto
Méndez Calvo Gallego León Márquez Peña Cabrera Fuentes Carrasco Ibáñez Ferrer Durán Benítez Román Sáez
Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti Mancini
Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro Rinaldi Caruso Leone Gentile Martinelli
Vitale Coppola D'Angelo Marchetti Parisi Ferraro Fabbri Valentini Pellegrini Cattaneo Johansson
Andersson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson Gustafsson Jönsson Lindberg Lindqvist
Åberg Öberg Sjöberg Nyström Bergström Forsberg Jensen Nielsen Hansen Pedersen Christensen Larsen Sørensen
Rasmussen Jørgensen Møller Virtanen Korhonen Mäkinen Nieminen Mäkelä Hämäläinen Järvinen Nowak Kowalski
Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański Woźniak Dąbrowski Kozłowski Mazur
Novák Svoboda Novotný Dvořák Černý Procházka Kučera Yılmaz Kaya Demir Şahin Çelik Yıldız Öztürk Aydın
Sharma Singh Kumar Gupta Mehta Iyer Reddy Nair Rao Desai Joshi Shah Wang Li Zhang Liu Yang Huang Zhao Wu
Zhou Xu Sun Ma Zhu Guo Lin Sato Suzuki Takahashi Tanaka Watanabe Itō Yamamoto Nakamura Kobayashi Yoshida
Pham Hoang Phan Vu Dang Bui O'Brien O'Connor O'Sullivan McCarthy Byrne Walsh Doyle Kavanagh Ivanov Smirnov
Kuznetsov Popov Petrov Sokolov Novikov Okafor Mensah Adeyemi Diallo Traoré Ndiaye Haddad Khoury Mansour
Cohen Levi Friedman Katz
"""
    ),
    *["De Luca", "Le Gall", "da Silva", "dos Santos", "van Dijk", "Ó Briain"],
]

#: Rarer last names are built from these parts (20,000 of them), as a real customer base has a long
#: tail of surnames: with the common names alone, 200,000 contacts would share 180,000 combinations
#: and most names would be ambiguous.
RARE_NAME_HEADS = _words("Ber Van Kal Mor Dal Fer Hal Lin Mar Ros Sel Tor Wal Zan Bel Cas Del Fal Gar Hen")
RARE_NAME_HEADS += _words("Jas Kor Lau Mel Nor Pel Quin Rad Sav Tam Ul Var Wes Yor Ost Ast Brav Crom Dras Eck")
RARE_NAME_MIDDLES = ["", *_words("a e i o en er an el or in ul ar ov ber den lin man sen ten")]
RARE_NAME_ENDS = _words("son sen ski ova ez ini elli berg stein ham ton ley ard ier eau ic escu opoulos enko ian")
RARE_NAME_ENDS += _words("sson mann ström ès ová")

BRAND_HEADS = _words(
    """
Nord Sud Alp Blue Red Green Silver Gold Iron Stone River Lake Sun Star Nova Terra Aqua Vita Ever Bright Clear
Swift True Prime Peak Summit Harbor Cedar Oak Pine Maple Birch Falcon Eagle Hawk Wolf Fox Lion Zen Omni Inter
Trans Meta Neo Astra Orbi Vect Quant Lum Sol Cel Ver Mar Pol Tel Dyn Syn Kin Hel Bel Cor Dal Fen Gal Mer
"""
)
BRAND_TAILS = _words(
    """
wind field ridge stone water light line point gate bridge works tech tron tex nix lab sys soft ware cloud
data logic ify ly io ia ium ex ix ora ova ara ant ent a o um us is co dyne path core wave form mark sense
"""
)
INDUSTRIES = _words(
    """
Systems Logistics Bank Pharma Energy Énergie Capital Partners Consulting Analytics Software Solutions
Technologies Foods Motors Industries Insurance Assurances Telecom Media Health Santé Robotics Aerospace
Chemicals Materials Retail Textiles Construction Bâtiment Holdings Ventures Labs Networks Security Mobility
Hotels Airlines Shipping Maritime Biotech Medical Semiconductors Payments Finance Immobilier Automation
Electronics Instruments Beverages Cosmetics Studios Publishing Education Games
"""
)
LEGAL_FORMS = _words("Inc Ltd LLC GmbH AG SA SAS SARL BV NV SpA AB AS Oy plc Group")


# The short vocabulary ------------------------------------------------------------------------------
SHORT_FIRST_NAMES = _words(
    """
James Mary John Patricia Robert Jennifer Michael Linda David Elizabeth William Barbara Richard Susan Joseph
Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Maria Anthony Sandra Mark Margaret José Ashley
François Hélène Zoë Chloé Léa Renée Jérôme Cédric Noémie Éric Jürgen Björn Søren Åsa Lucía Begoña Joaquín
Giulia Giuseppe Niccolò João Gonçalo Paweł Łukasz Jiří Tomáš Ayşe Priya Rahul Anjali Wei Jing Hiroshi Yuki
Kwame Amara Fatima Ahmed Olga Ivan Ingrid Lars Siobhán Aoife
"""
)
SHORT_LAST_NAMES = _words(
    """
Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Wilson Anderson Taylor Moore
Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker Müller Schneider Fischer Weber Schäfer
Krüger Dubois Petit Durand Lefèvre Bertrand Mercier Guérin Noël Fernández González López Martínez Pérez
Rossi Russo Ferrari Esposito Johansson Nilsson Jørgensen Virtanen Nowak Wiśniewski Novák Dvořák Yılmaz
Öztürk Sharma Gupta Iyer Wang Zhang Liu Sato Tanaka Nguyen Pham O'Brien Walsh Ivanov Okafor Diallo Haddad
Cohen
"""
)
#: The first brand heads and tails of the wide lists.
SHORT_BRAND_HEADS = BRAND_HEADS[:40]
SHORT_BRAND_TAILS = BRAND_TAILS[:34]
#: The short list has a company without a legal form too.
SHORT_LEGAL_FORMS = ["", "Inc", "Ltd", "LLC", "GmbH", "AG", "SA", "SAS", "BV", "SpA", "AB", "plc", "Group"]
SHORT_INDUSTRIES = _words(
    """
Systems Logistics Bank Pharma Energy Énergie Capital Partners Consulting Analytics Software Solutions
Technologies Foods Motors Industries Insurance Assurances Telecom Media Health Santé Robotics Aerospace
Chemicals Materials Retail Textiles Construction Holdings Ventures Labs Networks Security Mobility
"""
)
