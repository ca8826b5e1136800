"""The shape of the synthetic corpus (tools/corpus.py): where enterprises cluster, how
kinds, grades, industries, sources, activities and codes are spread, and the words its
names, headlines and details are made of. Numbers are weights unless they say shares."""

# Share of enterprises in each hot spot (the place and everything inside it); the rest
# is spread evenly over the other reference places.
HOT_PLACES = {
    "pyongyang": 0.20, "chongjin": 0.045, "hamhung": 0.045, "nampo": 0.035, "sinuiju": 0.03,
    "kimchaek": 0.025, "sunchon": 0.025, "songnim": 0.02, "anju": 0.02, "kanggye": 0.02,
    "tanchon": 0.015, "wonsan": 0.015, "kaechon": 0.012, "hyesan": 0.012, "haeju": 0.012,
    "sariwon": 0.012, "pyongsong": 0.012, "tokchon": 0.01, "musan": 0.01,
}
# Enterprises known only to be "in North Hamgyong" sit on the province.
PROVINCE_SHARE = 0.02

# kind: (share, grade weights, industry slugs, name endings)
KINDS = {
    "complex": (0.03, {"special": 80, "1": 20},
                ["iron-and-steel", "non-ferrous-metals", "chemicals-and-fertilizer", "chemical-fibre",
                 "machinery", "vehicles", "coal-mining", "metal-ore-mining", "textiles"],
                ["Complex"]),
    "general": (0.04, {"special": 40, "1": 40, "2": 20},
                ["machinery", "electrical-equipment", "textiles", "food-processing",
                 "chemicals-and-fertilizer", "fabricated-metal", "cement"],
                ["General Enterprise", "Works"]),
    "factory": (0.58, {"1": 3, "2": 8, "3": 15, "4": 15, "5": 12, "6": 8, "7": 5, "local": 24, "unknown": 10},
                ["fabricated-metal", "machinery", "electrical-equipment", "vehicles", "chemicals-and-fertilizer",
                 "pharmaceuticals", "rubber-and-plastics", "cement", "glass-and-ceramics", "food-processing",
                 "food-processing", "food-processing", "beverages", "textiles", "clothing", "clothing",
                 "leather-and-bags", "wood-and-paper", "daily-necessities", "daily-necessities", "fishing"],
                ["Factory", "Factory", "Mill", "Plant"]),
    "mine": (0.14, {"special": 3, "1": 10, "2": 20, "3": 25, "4": 15, "unknown": 27},
             ["coal-mining", "coal-mining", "metal-ore-mining", "non-metallic-mining"], ["Mine"]),
    "power_station": (0.06, {"special": 5, "1": 25, "2": 30, "3": 20, "unknown": 20},
                      ["hydropower", "hydropower", "thermal-power"], ["Power Station"]),
    "shipyard": (0.02, {"1": 30, "2": 30, "3": 20, "unknown": 20}, ["shipbuilding"], ["Shipyard"]),
    "other": (0.13, {"4": 10, "5": 10, "6": 5, "7": 5, "local": 20, "unknown": 50},
              ["food-processing", "fishing", "wood-and-paper", "construction-materials", "light-industry",
               "machine-building"],
              ["Enterprise", "Station", "Farm Machine Station", "Repair Works"]),
}
PRODUCT_WORDS = {
    "iron-and-steel": ["Iron and Steel", "Steel", "Steel Rolling"], "non-ferrous-metals": ["Smelting", "Zinc", "Copper"],
    "fabricated-metal": ["Metal Products", "Wire", "Steel Tube"], "machinery": ["Machine Tool", "Heavy Machine", "Pump"],
    "electrical-equipment": ["Electric Machine", "Cable", "Electronics"], "vehicles": ["Motor", "Rolling Stock", "Tractor"],
    "shipbuilding": ["Ship Repair", ""], "chemicals-and-fertilizer": ["Fertilizer", "Chemical", "Carbide"],
    "chemical-fibre": ["Vinalon", "Chemical Fibre"], "pharmaceuticals": ["Pharmaceutical", "Medical Appliances"],
    "rubber-and-plastics": ["Tyre", "Daily Plastics"], "petroleum-and-coke": ["Coke", "Oil Refinery"],
    "cement": ["Cement"], "glass-and-ceramics": ["Glass", "Ceramics", "Tile"],
    "food-processing": ["Foodstuff", "Kimchi", "Soy Sauce", "Flour", "Confectionery", "Noodle"],
    "beverages": ["Beer", "Soft Drink", "Mineral Water"], "textiles": ["Textile", "Silk", "Knitwear"],
    "clothing": ["Garment", "Clothing", "Uniform"], "leather-and-bags": ["Bag", "Shoe", "Leather"],
    "wood-and-paper": ["Paper", "Timber", "Printing"], "daily-necessities": ["Cosmetics", "Furniture", "Daily Necessities"],
    "fishing": ["Fish Processing", "Fisheries"], "coal-mining": ["Coal", "Youth Coal"], "metal-ore-mining": ["Iron Ore", "Gold", "Zinc", "Lead"],
    "non-metallic-mining": ["Magnesite", "Graphite", "Limestone"], "hydropower": ["Hydroelectric", "Youth Hydroelectric"],
    "thermal-power": ["Thermal", "Heat and Power"], "construction-materials": ["Building Materials"],
    "light-industry": ["Local Industry"], "machine-building": ["Machine Repair"],
}
UNITS = {
    "Metal": ["t"], "Mining": ["t"], "Electric power": ["kWh", "MW"], "Construction materials": ["t", "m2"],
    "Light industry": ["t", "pieces", "pairs", "m"], "Machine building": ["units"], "Chemical industry": ["t"],
    "Fisheries and aquaculture": ["t"],
}
MINISTRIES = {
    "Metal": "Ministry of Metal Industry", "Mining": "Ministry of Mining Industry",
    "Electric power": "Ministry of Electric Power Industry", "Construction materials": "Ministry of Building-Materials Industry",
    "Light industry": "Ministry of Light Industry", "Machine building": "Ministry of Machine-Building Industry",
    "Chemical industry": "Ministry of Chemical Industry", "Fisheries and aquaculture": "Ministry of Fisheries",
}
HONORIFICS = ["February 8", "April 25", "October 5", "Chollima", "Sungri", "Taean", "Unha", "Kangson",
              "Pulgunbyol", "Paektusan", "Songgang", "Ryonha", "Kim Jong Suk"]
PROMINENCE = {"complex": 5, "general": 4, "power_station": 2.5, "shipyard": 2.5, "mine": 2, "factory": 1, "other": 0.5}
GRADE_BONUS = {"special": 3, "1": 2, "2": 1.5, "3": 1}

SOURCES = {"RS": 45, "KCNA": 30, "MJ": 8, "PT": 5, "DNK": 4, "RFA": 3, "38N": 3, "USGS": 2}
ACTIVITIES = {"production": 35, "operation": 20, "modernization": 15, "facility": 10, "technology": 10,
              "construction": 7, "closure": 3}
CODES = {  # the codebook's rule, with the coder's judgement spreading it
    "construction": {1: 50, 2: 20, 3: 30}, "facility": {2: 55, 1: 15, 3: 30},
    "modernization": {2: 50, 3: 40, 1: 10}, "technology": {4: 80, 3: 10, 2: 10},
    "production": {5: 85, 4: 5, 3: 5, 2: 5}, "operation": {3: 50, 4: 30, 5: 20},
    "closure": {2: 60, 1: 20, 3: 20},
}
CLAIMS_PER_ARTICLE = {1: 40, 2: 30, 3: 20, 4: 10}  # mean 2.0
STATUSES = {"reviewed": 40, "coded": 56, "draft": 4}
RESTRICTED_SHARE = 0.05
MONTH_ONLY, YEAR_ONLY = 0.08, 0.03
SAME_ENTERPRISE = 0.55  # an article's further claims are often about the same enterprise
HEADLINES = {
    "construction": ["{e} completed", "New {e} inaugurated", "{e} built in record time"],
    "facility": ["New production line set up at {e}", "{e} builds new workshop", "Oxygen furnace installed at {e}"],
    "modernization": ["{e} modernized", "Modernization of {e} pushed forward", "{e} renovates production processes"],
    "technology": ["Technical innovation at {e}", "{e} develops new technology", "Scientists help {e}"],
    "production": ["{e} overfulfils production plan", "Production increases at {e}", "{e} boosts output"],
    "operation": ["Workers of {e} hold meeting", "Visit to {e}", "Innovators of {e} praised"],
    "closure": ["{e} merged into complex", "{e} suspends operation", "{e} reorganized"],
}
# Korean headlines, as the North's press words them; {e} is the enterprise's Hangul name.
HEADLINES_KO = {
    "construction": ["{e} 준공", "{e} 새로 일떠서", "{e} 건설 완공"],
    "facility": ["{e}에서 새 생산공정 확립", "{e}에서 산소분리기 설치", "{e}에 새 직장 건설"],
    "modernization": ["{e} 현대화", "{e} 현대화사업 힘있게 추진", "{e}에서 생산공정 개건"],
    "technology": ["{e}에서 기술혁신", "{e} 새 기술 개발", "과학자들 {e} 지원"],
    "production": ["{e} 생산계획 넘쳐 수행", "{e}에서 생산 장성", "{e} 증산 성과"],
    "operation": ["{e} 로동자들 모임", "{e} 방문", "{e} 혁신자들 표창"],
    "closure": ["{e} 련합기업소에 통합", "{e} 조업 중지", "{e} 개편"],
}
KOREAN_SOURCES = ("RS", "MJ", "KCNA")
KINDS_KO = {"complex": "련합기업소", "general": "종합기업소", "power_station": "발전소", "shipyard": "조선소",
            "mine": "광산", "factory": "공장", "other": "사업소"}
# Product words of the Hangul names by industry; "" for the rest.
PRODUCT_WORDS_KO = {
    "iron-and-steel": ["제철", "제강", "압연"], "non-ferrous-metals": ["제련", "아연", "동"],
    "machinery": ["기계", "중기계", "뽐프"], "chemicals-and-fertilizer": ["화학", "비료"], "chemical-fibre": ["화학섬유", "비날론"],
    "coal-mining": ["탄광", "석탄"], "metal-ore-mining": ["광업", "철광"], "textiles": ["방직", "직물"],
    "": ["식료", "전기", "수산", "목재", "세멘트", "신발", "가방", "일용품", "건재", "유리"],
}
DETAILS = {
    "construction": "new enterprise completed", "facility": "new or expanded facility", "modernization": "production processes renovated",
    "technology": "technical innovation introduced", "production": "production plan fulfilled", "operation": "meeting of workers held",
    "closure": "operation suspended",
}
FILLER = (
    "The workers, upholding the call of the Party, waged a dynamic struggle to increase production. "
    "Officials of the enterprise organized the work in a creative manner and technicians solved many difficult problems. "
)
