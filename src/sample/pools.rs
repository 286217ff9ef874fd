//! The pools the sample draws from: Washington's 39 counties with real cities and ZIP
//! codes, DSHS offices, streets, organisation names, people's names (ASCII and not), EIN
//! prefixes; and the small fields drawn from them (names, phone numbers, name slugs).
//!
//! Most of the length is data tables, kept together so the pools can be read at a glance.

use super::Rng;

/// A fictional phone number (`555-01NN`) in `area`.
pub(super) fn phone(r: &mut Rng, area: &str) -> String {
    format!("({area}) 555-01{:02}", r.below(100))
}

/// The area code of a number in `county` (King has three).
pub(super) fn county_area(r: &mut Rng, county: usize) -> &'static str {
    match COUNTIES[county].name {
        "King" => r.pick_str(&["206", "206", "425", "253"]),
        _ => COUNTIES[county].area,
    }
}

/// Lower-case ASCII letters and digits of `text`, with accents dropped (`Trần` → `tran`).
pub(super) fn ascii_slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        let base = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ạ' | 'ả' | 'ậ' | 'ặ' | 'Å' | 'Á' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'č' | 'Ç' | 'Č' => "c",
            'đ' | 'Đ' | 'ď' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ě' | 'ễ' | 'ệ' | 'ề' | 'É' => "e",
            'ğ' => "g",
            'ì' | 'í' | 'î' | 'ï' | 'ı' | 'İ' => "i",
            'ł' | 'Ł' => "l",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ơ' | 'ọ' | 'ồ' | 'ộ' | 'ớ' | 'ở' | 'Ö' | 'Ø' | 'Ó' => "o",
            'ř' => "r",
            'ś' | 'š' | 'ş' | 'Š' | 'Ş' | 'ß' => "s",
            'ù' | 'ú' | 'û' | 'ü' | 'ư' | 'ủ' | 'ừ' | 'ứ' | 'Ü' => "u",
            'ý' | 'ỳ' | 'ỹ' => "y",
            'ź' | 'ż' | 'ž' | 'Ž' => "z",
            _ => "",
        };
        out.push_str(base);
    }
    if out.is_empty() {
        out.push_str("provider");
    }
    out
}

/// A child's first name: about 8% from the non-ASCII list.
pub(super) fn child_first(r: &mut Rng) -> &'static str {
    if r.chance(80) {
        r.pick_str(FIRST_NON_ASCII)
    } else {
        r.pick_str(FIRST_ASCII)
    }
}

/// A child's family name: about 8% from the non-ASCII list.
pub(super) fn child_last(r: &mut Rng) -> &'static str {
    if r.chance(80) {
        r.pick_str(LAST_NON_ASCII)
    } else {
        r.pick_str(LAST_ASCII)
    }
}

/// An adult's first name: about 6% from the non-ASCII list.
pub(super) fn person_first(r: &mut Rng) -> &'static str {
    if r.chance(60) {
        r.pick_str(FIRST_NON_ASCII)
    } else {
        r.pick_str(FIRST_ASCII)
    }
}

/// An adult's family name: about 6% from the non-ASCII list.
pub(super) fn person_last(r: &mut Rng) -> &'static str {
    if r.chance(60) {
        r.pick_str(LAST_NON_ASCII)
    } else {
        r.pick_str(LAST_ASCII)
    }
}

/// A Washington county: relative weight (2020 census population in thousands, at least
/// 20 so small counties still show up), telephone area code, and real places with a ZIP
/// code of that place (USPS; all in the 980-994 prefixes).
pub(super) struct County {
    pub(super) name: &'static str,
    pub(super) weight: u32,
    pub(super) area: &'static str,
    pub(super) places: &'static [(&'static str, &'static str)],
}

#[rustfmt::skip]
pub(super) const COUNTIES: [County; 39] = [
    County { name: "Adams", weight: 20, area: "509", places: &[("Ritzville", "99169"), ("Othello", "99344"), ("Lind", "99341"), ("Washtucna", "99371")] },
    County { name: "Asotin", weight: 22, area: "509", places: &[("Clarkston", "99403"), ("Asotin", "99402"), ("Anatone", "99401")] },
    County { name: "Benton", weight: 206, area: "509", places: &[("Kennewick", "99336"), ("Kennewick", "99337"), ("Kennewick", "99338"), ("Richland", "99352"), ("Richland", "99354"), ("West Richland", "99353"), ("Prosser", "99350"), ("Benton City", "99320")] },
    County { name: "Chelan", weight: 79, area: "509", places: &[("Wenatchee", "98801"), ("Leavenworth", "98826"), ("Chelan", "98816"), ("Cashmere", "98815"), ("Entiat", "98822")] },
    County { name: "Clallam", weight: 77, area: "360", places: &[("Port Angeles", "98362"), ("Port Angeles", "98363"), ("Sequim", "98382"), ("Forks", "98331"), ("Clallam Bay", "98326")] },
    County { name: "Clark", weight: 503, area: "360", places: &[("Vancouver", "98660"), ("Vancouver", "98661"), ("Vancouver", "98662"), ("Vancouver", "98663"), ("Vancouver", "98664"), ("Vancouver", "98682"), ("Vancouver", "98683"), ("Vancouver", "98684"), ("Vancouver", "98685"), ("Vancouver", "98686"), ("Camas", "98607"), ("Battle Ground", "98604"), ("Washougal", "98671"), ("Ridgefield", "98642"), ("La Center", "98629")] },
    County { name: "Columbia", weight: 20, area: "509", places: &[("Dayton", "99328"), ("Starbuck", "99359")] },
    County { name: "Cowlitz", weight: 110, area: "360", places: &[("Longview", "98632"), ("Kelso", "98626"), ("Castle Rock", "98611"), ("Woodland", "98674"), ("Kalama", "98625")] },
    County { name: "Douglas", weight: 43, area: "509", places: &[("East Wenatchee", "98802"), ("Bridgeport", "98813"), ("Waterville", "98858"), ("Rock Island", "98850")] },
    County { name: "Ferry", weight: 20, area: "509", places: &[("Republic", "99166"), ("Curlew", "99118"), ("Inchelium", "99138")] },
    County { name: "Franklin", weight: 96, area: "509", places: &[("Pasco", "99301"), ("Connell", "99326"), ("Mesa", "99343"), ("Kahlotus", "99335")] },
    County { name: "Garfield", weight: 20, area: "509", places: &[("Pomeroy", "99347")] },
    County { name: "Grant", weight: 99, area: "509", places: &[("Moses Lake", "98837"), ("Ephrata", "98823"), ("Quincy", "98848"), ("Grand Coulee", "99133"), ("Royal City", "99357"), ("Mattawa", "99349")] },
    County { name: "Grays Harbor", weight: 75, area: "360", places: &[("Aberdeen", "98520"), ("Hoquiam", "98550"), ("Elma", "98541"), ("Montesano", "98563"), ("Ocean Shores", "98569"), ("Westport", "98595")] },
    County { name: "Island", weight: 86, area: "360", places: &[("Oak Harbor", "98277"), ("Coupeville", "98239"), ("Langley", "98260"), ("Camano Island", "98282"), ("Freeland", "98249"), ("Clinton", "98236")] },
    County { name: "Jefferson", weight: 32, area: "360", places: &[("Port Townsend", "98368"), ("Port Hadlock", "98339"), ("Quilcene", "98376"), ("Chimacum", "98325")] },
    County { name: "King", weight: 2270, area: "206", places: &[("Seattle", "98101"), ("Seattle", "98103"), ("Seattle", "98105"), ("Seattle", "98106"), ("Seattle", "98108"), ("Seattle", "98115"), ("Seattle", "98117"), ("Seattle", "98118"), ("Seattle", "98122"), ("Seattle", "98125"), ("Seattle", "98126"), ("Seattle", "98133"), ("Seattle", "98144"), ("Seattle", "98146"), ("Seattle", "98168"), ("Seattle", "98178"), ("Bellevue", "98004"), ("Bellevue", "98006"), ("Bellevue", "98007"), ("Bellevue", "98008"), ("Kent", "98030"), ("Kent", "98031"), ("Kent", "98032"), ("Kent", "98042"), ("Renton", "98055"), ("Renton", "98056"), ("Renton", "98058"), ("Renton", "98059"), ("Federal Way", "98003"), ("Federal Way", "98023"), ("Auburn", "98001"), ("Auburn", "98002"), ("Auburn", "98092"), ("Redmond", "98052"), ("Kirkland", "98033"), ("Kirkland", "98034"), ("Shoreline", "98155"), ("Burien", "98166"), ("Tukwila", "98188"), ("SeaTac", "98198"), ("Issaquah", "98027"), ("Sammamish", "98074"), ("Bothell", "98011"), ("Enumclaw", "98022"), ("North Bend", "98045"), ("Vashon", "98070")] },
    County { name: "Kitsap", weight: 275, area: "360", places: &[("Bremerton", "98310"), ("Bremerton", "98311"), ("Bremerton", "98312"), ("Port Orchard", "98366"), ("Port Orchard", "98367"), ("Silverdale", "98383"), ("Poulsbo", "98370"), ("Bainbridge Island", "98110"), ("Kingston", "98346")] },
    County { name: "Kittitas", weight: 44, area: "509", places: &[("Ellensburg", "98926"), ("Cle Elum", "98922"), ("Kittitas", "98934"), ("Roslyn", "98941")] },
    County { name: "Klickitat", weight: 22, area: "509", places: &[("Goldendale", "98620"), ("White Salmon", "98672"), ("Bingen", "98605"), ("Lyle", "98635")] },
    County { name: "Lewis", weight: 82, area: "360", places: &[("Chehalis", "98532"), ("Centralia", "98531"), ("Morton", "98356"), ("Winlock", "98596"), ("Toledo", "98591")] },
    County { name: "Lincoln", weight: 20, area: "509", places: &[("Davenport", "99122"), ("Odessa", "99159"), ("Reardan", "99029"), ("Wilbur", "99185")] },
    County { name: "Mason", weight: 65, area: "360", places: &[("Shelton", "98584"), ("Belfair", "98528"), ("Allyn", "98524"), ("Union", "98592")] },
    County { name: "Okanogan", weight: 42, area: "509", places: &[("Omak", "98841"), ("Okanogan", "98840"), ("Tonasket", "98855"), ("Brewster", "98812"), ("Oroville", "98844"), ("Twisp", "98856")] },
    County { name: "Pacific", weight: 23, area: "360", places: &[("Raymond", "98577"), ("South Bend", "98586"), ("Long Beach", "98631"), ("Ilwaco", "98624")] },
    County { name: "Pend Oreille", weight: 20, area: "509", places: &[("Newport", "99156"), ("Ione", "99139"), ("Cusick", "99119"), ("Metaline Falls", "99153")] },
    County { name: "Pierce", weight: 921, area: "253", places: &[("Tacoma", "98402"), ("Tacoma", "98403"), ("Tacoma", "98404"), ("Tacoma", "98405"), ("Tacoma", "98406"), ("Tacoma", "98407"), ("Tacoma", "98408"), ("Tacoma", "98409"), ("Tacoma", "98418"), ("Tacoma", "98444"), ("Tacoma", "98445"), ("Lakewood", "98499"), ("Puyallup", "98371"), ("Puyallup", "98372"), ("Puyallup", "98373"), ("Puyallup", "98374"), ("Spanaway", "98387"), ("Gig Harbor", "98332"), ("Gig Harbor", "98335"), ("Bonney Lake", "98391"), ("Sumner", "98390"), ("University Place", "98466"), ("Fife", "98424"), ("Graham", "98338"), ("Eatonville", "98328"), ("Buckley", "98321")] },
    County { name: "San Juan", weight: 20, area: "360", places: &[("Friday Harbor", "98250"), ("Eastsound", "98245"), ("Lopez Island", "98261")] },
    County { name: "Skagit", weight: 129, area: "360", places: &[("Mount Vernon", "98273"), ("Mount Vernon", "98274"), ("Burlington", "98233"), ("Anacortes", "98221"), ("Sedro-Woolley", "98284"), ("La Conner", "98257")] },
    County { name: "Skamania", weight: 20, area: "509", places: &[("Stevenson", "98648"), ("Carson", "98610"), ("North Bonneville", "98639")] },
    County { name: "Snohomish", weight: 828, area: "425", places: &[("Everett", "98201"), ("Everett", "98203"), ("Everett", "98204"), ("Everett", "98208"), ("Lynnwood", "98036"), ("Lynnwood", "98037"), ("Marysville", "98270"), ("Marysville", "98271"), ("Edmonds", "98020"), ("Edmonds", "98026"), ("Mukilteo", "98275"), ("Lake Stevens", "98258"), ("Monroe", "98272"), ("Arlington", "98223"), ("Mill Creek", "98012"), ("Snohomish", "98290"), ("Stanwood", "98292"), ("Mountlake Terrace", "98043")] },
    County { name: "Spokane", weight: 539, area: "509", places: &[("Spokane", "99201"), ("Spokane", "99202"), ("Spokane", "99203"), ("Spokane", "99205"), ("Spokane", "99207"), ("Spokane", "99208"), ("Spokane", "99212"), ("Spokane", "99217"), ("Spokane", "99223"), ("Spokane", "99224"), ("Spokane Valley", "99206"), ("Spokane Valley", "99216"), ("Spokane Valley", "99037"), ("Cheney", "99004"), ("Airway Heights", "99001"), ("Deer Park", "99006"), ("Liberty Lake", "99019"), ("Medical Lake", "99022")] },
    County { name: "Stevens", weight: 46, area: "509", places: &[("Colville", "99114"), ("Chewelah", "99109"), ("Kettle Falls", "99141"), ("Springdale", "99173")] },
    County { name: "Thurston", weight: 294, area: "360", places: &[("Olympia", "98501"), ("Olympia", "98502"), ("Olympia", "98506"), ("Olympia", "98512"), ("Olympia", "98516"), ("Lacey", "98503"), ("Lacey", "98513"), ("Tumwater", "98501"), ("Yelm", "98597"), ("Tenino", "98589"), ("Rainier", "98576")] },
    County { name: "Wahkiakum", weight: 20, area: "360", places: &[("Cathlamet", "98612"), ("Skamokawa", "98647"), ("Grays River", "98621")] },
    County { name: "Walla Walla", weight: 62, area: "509", places: &[("Walla Walla", "99362"), ("College Place", "99324"), ("Waitsburg", "99361"), ("Prescott", "99348")] },
    County { name: "Whatcom", weight: 226, area: "360", places: &[("Bellingham", "98225"), ("Bellingham", "98226"), ("Bellingham", "98229"), ("Ferndale", "98248"), ("Lynden", "98264"), ("Blaine", "98230"), ("Everson", "98247"), ("Sumas", "98295")] },
    County { name: "Whitman", weight: 47, area: "509", places: &[("Pullman", "99163"), ("Colfax", "99111"), ("Palouse", "99161"), ("Tekoa", "99033")] },
    County { name: "Yakima", weight: 256, area: "509", places: &[("Yakima", "98901"), ("Yakima", "98902"), ("Yakima", "98903"), ("Yakima", "98908"), ("Sunnyside", "98944"), ("Grandview", "98930"), ("Toppenish", "98948"), ("Selah", "98942"), ("Wapato", "98951"), ("Zillah", "98953"), ("Moxee", "98936")] },
];

/// DSHS Community Services Offices (and their area codes) that authorizing workers sit in.
pub(super) const OFFICES: &[(&str, &str)] = &[
    ("CSO Yakima", "509"),
    ("CSO Sunnyside", "509"),
    ("CSO Toppenish", "509"),
    ("CSO Othello", "509"),
    ("CSO Moses Lake", "509"),
    ("CSO Wenatchee", "509"),
    ("CSO Okanogan", "509"),
    ("CSO Colville", "509"),
    ("CSO Spokane North", "509"),
    ("CSO Spokane Valley", "509"),
    ("CSO Spokane Southwest", "509"),
    ("CSO Clarkston", "509"),
    ("CSO Walla Walla", "509"),
    ("CSO Tri-Cities", "509"),
    ("CSO Ellensburg", "509"),
    ("CSO Goldendale", "509"),
    ("CSO Bellingham", "360"),
    ("CSO Mount Vernon", "360"),
    ("CSO Oak Harbor", "360"),
    ("CSO Everett", "425"),
    ("CSO Lynnwood", "425"),
    ("CSO Smokey Point", "360"),
    ("CSO King Eastside", "425"),
    ("CSO Belltown", "206"),
    ("CSO Capitol Hill", "206"),
    ("CSO Rainier", "206"),
    ("CSO White Center", "206"),
    ("CSO Renton", "425"),
    ("CSO Auburn", "253"),
    ("CSO Federal Way", "253"),
    ("CSO Pierce North", "253"),
    ("CSO Pierce South", "253"),
    ("CSO Lakewood", "253"),
    ("CSO Puyallup Valley", "253"),
    ("CSO Bremerton", "360"),
    ("CSO Olympia", "360"),
    ("CSO Shelton", "360"),
    ("CSO Aberdeen", "360"),
    ("CSO Chehalis", "360"),
    ("CSO Longview", "360"),
    ("CSO Vancouver", "360"),
    ("CSO Port Angeles", "360"),
    ("CSO Forks", "360"),
    ("CSO Long Beach", "360"),
];

/// Valid IRS EIN prefixes (campus codes).
#[rustfmt::skip]
pub(super) const EIN_PREFIXES: &[&str] = &[
    "20", "26", "27", "45", "46", "47", "81", "82", "83", "84", "85", "86", "87", "88", "91", "92",
    "93", "94", "98", "99",
];

#[rustfmt::skip]
pub(super) const STREETS: &[&str] = &[
    "Main St", "1st Ave", "2nd Ave", "Pacific Ave", "Rainier Ave S", "NE 45th St", "Cedar Loop SE",
    "W Nob Hill Blvd", "E Division Ave", "Harbor View Dr", "Elm St", "Maple Ave", "Fir St",
    "Alder St", "Madrona Dr", "Orchard Ave", "Canyon Rd", "Mill Plain Blvd", "Evergreen Way",
    "Hillside Dr", "S 19th St", "N 4th St", "Lakeview Blvd", "Columbia St", "Yakima Ave",
    "River Rd", "Sunset Blvd", "Broadway", "Wheeler Rd", "Aurora Ave N",
    "Martin Luther King Jr Way S", "SE 256th St", "Pine St", "Spruce St", "Cherry Ln",
    "Apple Blossom Dr", "Wheatland Rd", "Bridge St", "Meridian Ave E", "Capitol Way S",
    "Hewitt Ave", "Sprague Ave", "Nob Hill Blvd", "Summitview Ave", "Lewis St", "Court St",
    "Commercial Ave", "Front St", "Railroad Ave", "Marine Dr", "Old Highway 99", "Kitsap Way",
    "State St", "Division St", "Grand Ave",
];

#[rustfmt::skip]
pub(super) const ORG_PREFIXES: &[&str] = &[
    "Sunrise", "Little Sprouts", "Rainbow Bridge", "Tiny Tots", "Happy Hearts", "Evergreen Kids",
    "Cascade", "Olympic View", "Columbia River", "Puget Sound", "Blue Heron", "Cedar Tree",
    "Salmon Creek", "Mountain View", "Apple Valley", "Wheatland", "Palouse Hills", "Orca Bay",
    "Madrona", "Tahoma", "Kids' Corner", "ABC Kids", "Acorn & Oak", "Busy Bees",
    "Little Explorers", "Nuestra Casa", "Casa de los Niños", "Harvest Valley", "Riverbend",
    "Growing Tree", "First Steps", "Bright Futures", "Kiddie Kampus", "Small Wonders", "Sunflower",
    "Little Learners", "Wildflower", "Pine Cone", "Lighthouse", "Huckleberry", "Firefly",
    "Mi Pequeño Mundo", "Rising Stars", "Golden Grain", "Stepping Stones", "Treehouse",
];

pub(super) const ORG_KINDS: &[&str] = &[
    "Early Learning Center",
    "Child Care Center",
    "Learning Academy",
    "Kids Academy",
    "Child Development Center",
    "Preschool",
    "Daycare",
    "Early Learning",
];

#[rustfmt::skip]
const FIRST_ASCII: &[&str] = &[
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Mia", "Lucas", "Isabella", "Mateo",
    "Amara", "Kwame", "Aaliyah", "Jamal", "Fatima", "Omar", "Aisha", "Mohamed", "Priya", "Arjun",
    "Mei", "Wei", "Hiroshi", "Yuki", "Min-jun", "Seo-yeon", "Ahmed", "Layla", "Santiago", "Camila",
    "Diego", "Valeria", "Ximena", "Carlos", "Maria", "Ana", "Luis", "Emily", "James", "Grace",
    "Ethan", "Hannah", "Daniel", "Abigail", "Samuel", "Harper", "Benjamin", "Ivan", "Olga",
    "Dmitri", "Anastasia", "Nikolai", "Tatiana", "Kofi", "Ngozi", "Chinedu", "Abdi", "Hodan",
    "Farah", "Tenzin", "Kai", "Leilani", "Keoni", "Malia", "Sione", "Tala", "Lan", "Huong", "Bao",
    "Tuan", "Linh", "Thanh", "Anh", "Hung", "Raj", "Deepa", "Sunita", "Rohan", "Jasmine", "Zara",
    "Yusuf", "Mariam", "Khadija", "Nasra", "Hamza", "Elena", "Sara", "Jacob", "Wyatt", "Lily",
    "Nora", "Owen", "Riley", "Aria", "Maya", "Jayden", "Sebastian", "Natalia", "Gabriel", "Isaac",
    "Miguel", "Rosa", "Guadalupe", "Willow", "Blaine", "Madeleine", "Rebekka", "Erin", "Alyssa",
    "Henry", "Evelyn", "Oliver", "Amelia", "Charlotte", "Sophia", "Mason", "Logan", "Aiden",
    "Scarlett", "Chloe", "Zoe", "Jose", "Sofia", "Anna-Marie", "Mary Kate", "Jean-Luc", "Dakota",
    "Cheyenne", "Winona", "Tayen", "Sequoia", "Aponi", "Hassan", "Amina", "Yonas", "Meron",
    "Selam", "Dawit", "Oksana", "Bohdan", "Svetlana", "Pavel", "Mihai", "Ioana",
];

#[rustfmt::skip]
const FIRST_NON_ASCII: &[&str] = &[
    "Sofía", "José", "Zoë", "Ngọc", "Søren", "Łukasz", "Chloé", "Renée", "Inés", "Adrián", "Lucía",
    "Martín", "Valentín", "Joaquín", "Zoé", "Noémie", "Björn", "Åsa", "Jürgen", "Mía", "Ramón",
    "Nicolás", "Matías", "Héctor", "Thảo", "Đức", "Françoise", "Çağla", "Émile", "Maël", "Siân",
    "Seán", "Jesús", "Andrés", "Sebastián", "Ángel", "Máximo", "Tomás", "Iñaki", "Małgorzata",
    "Zuzanna", "Jiří", "Dvořák", "Hüseyin", "Gökhan", "Anaïs", "Élodie", "Hoàng", "Phương",
    "Tường", "Quỳnh", "Dũng",
];

#[rustfmt::skip]
const LAST_ASCII: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson",
    "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts",
    "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart", "Morris",
    "Murphy", "Cook", "Rogers", "Morgan", "Peterson", "Cooper", "Reed", "Bailey", "Bell", "Kim",
    "Park", "Choi", "Chen", "Wang", "Li", "Zhang", "Liu", "Huang", "Wong", "Tanaka", "Suzuki",
    "Sato", "Patel", "Shah", "Singh", "Kumar", "Gupta", "Ali", "Hassan", "Mohamed", "Ahmed",
    "Abdullah", "Osman", "Yusuf", "Warsame", "Okafor", "Mensah", "Owusu", "Ivanov", "Petrov",
    "Kovalenko", "Shevchenko", "Nowak", "Kowalski", "Novak", "Rossi", "Russo", "Romano", "Silva",
    "Santos", "Oliveira", "Ramos", "Cruz", "Flores", "Morales", "Reyes", "Torres", "Rivera",
    "Castillo", "Mendoza", "Vargas", "Medina", "Aguilar", "O'Brien", "D'Angelo", "O'Connor",
    "D'Souza", "McAllister", "Delgado-Ruiz", "Smith-Jones", "Tafuna", "Fonoti", "Kealoha", "Begay",
    "Yazzie", "Tsosie", "Whitehorse", "Sampson", "Nguyen", "Tran", "Pham", "Le", "Vo", "Dubois",
    "Lindqvist", "Walsh", "Foster", "Romero", "Van der Berg", "De la Cruz", "Abebe", "Tesfaye",
    "Haile", "Bondarenko", "Popescu",
];

#[rustfmt::skip]
const LAST_NON_ASCII: &[&str] = &[
    "Nguyễn", "Trần", "Phạm", "Đặng", "Lê", "Müller", "Hernández", "Peña", "Ibáñez", "Björk",
    "Núñez", "Gómez", "Rodríguez", "Martínez", "González", "Pérez", "Sánchez", "Ramírez",
    "Jiménez", "Vásquez", "Castañeda", "Muñoz", "Ordóñez", "Schröder", "Jäger", "Wójcik", "Dvořák",
    "Søndergaard", "Åberg", "Hoàng", "Võ", "Đỗ", "Bùi", "Huỳnh", "Lý", "Çelik", "Yılmaz",
    "Özdemir", "Šimić", "Łukaszewski", "Grünewald", "Fernández", "López", "Díaz", "Álvarez",
    "Gutiérrez", "Núñez-Peña", "O'Dálaigh",
];
