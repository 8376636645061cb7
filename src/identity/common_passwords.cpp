// The built-in list behind is_common_password(): the most common passwords
// from public breach corpora and yearly "worst passwords" lists (RockYou,
// NCSC top 100k, SplashData/NordPass), lower-cased. Kept sorted so lookup is a
// binary search with no start-up cost; the static_assert keeps it sorted. A
// local list cannot match a live breach service, but it stops the passwords
// attackers try first without sending anything off the machine.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "identity/passwords.h"

namespace sb::identity {

namespace {

constexpr std::array<std::string_view, 780> kCommonPasswords = {
    "!qaz2wsx", "000000", "00000000", "0000000000", "0123456789", "01234567890", "0987654321",
    "101010", "102030", "1029384756", "111111", "1111111", "11111111", "1111111111", "1111111111a",
    "112233", "11223344", "121212", "123123", "123321", "1234", "12341234", "12344321", "12345",
    "123454321", "1234554321", "123456", "1234567", "12345678", "123456789", "1234567890",
    "12345678900", "1234567890a", "1234567890abc", "1234567890q", "12345678910", "123456789a",
    "123456789abc", "123456789q", "12345678a", "1234567a", "123456a", "123456qwerty", "12345a",
    "12345qwert", "12345qwerty", "1234abcd", "1234qwer", "1234qwerasdf", "123654", "123abc",
    "123lol", "123qwe", "123qweasd", "123qweasdzxc", "123soleil", "12password", "12qwaszx",
    "131313", "147258", "147258369", "159357", "159753", "1a2b3c4d", "1password", "1q2w3e",
    "1q2w3e!q@w#e", "1q2w3e4r", "1q2w3e4r5t", "1q2w3e4r5t6y", "1q2w3e4r5t6y7u", "1qaz!qaz",
    "1qaz2wsx", "1qaz2wsx3edc", "1qaz2wsx3edc4rfv", "1qazxsw2", "1qwerty", "2222222", "420420",
    "456789", "5201314", "520520", "55555555", "654321", "666666", "696969", "696969696",
    "741852963", "7777777", "789456", "789456123", "88888888", "987654321", "9876543210", "9999999",
    "999999999", "a123456", "a12345678", "a1b2c3", "a1b2c3d4", "a1b2c3d4e5", "aa123456", "aaaaaa",
    "aaaaaaaaaa", "aaron", "ab123456", "abc", "abc123", "abc1234", "abc12345", "abc123456",
    "abcabc", "abcd", "abcd1", "abcd1234", "abcdef", "abcdefg", "abcdefg123", "abcdefgh",
    "abcdefghij", "abcdefghijk", "abigail", "access", "access14", "adam", "admin", "admin!",
    "admin123", "admin1234", "administrator", "alex", "alexander", "alexandra", "alien", "always",
    "amanda", "amanda1", "america", "andrea", "andrew", "android", "angel", "angel1", "angels",
    "anonymous", "anthony", "anything", "apple", "apple123", "arsenal", "arsenal1", "asdasd",
    "asdasd123", "asdf", "asdf1234", "asdfasdf", "asdfgh", "asdfghj", "asdfghjkl", "asdfghjkl1",
    "asdfghjkl123", "asdfqwer", "asdfzxcv", "ashley", "ashley1", "asshole", "austin", "autumn",
    "azerty", "azerty123", "azertyuiop", "baby", "baby123", "babyboy", "babygirl", "babygirl1",
    "bailey", "banana", "barbie", "barcelona", "baseball", "baseball1", "basketball", "basketball1",
    "batman", "batman1", "beatles", "beautiful", "beer", "benjamin", "berlin", "beyonce", "bieber",
    "bitch", "biteme", "blazeit", "blessed", "blink182", "blizzard", "bmw", "boomer", "boston",
    "brandon", "brazil", "brother", "bubbles", "buddy", "burger", "buster", "butterfly",
    "california", "canada", "cash", "celtic", "champion", "champions", "changeme", "changeme123",
    "charlie", "charlie1", "charlie123", "charlotte", "charmander", "cheese", "chelsea", "chelsea1",
    "chicago", "chicken", "children", "china", "chloe", "chocolate", "chouchou", "chris", "chris1",
    "christ", "cisco", "cocacola", "cod", "coffee", "computer", "computer1", "confidential",
    "contrasena", "cookie", "cooper", "corvette", "counter", "cowboys", "cristiano", "cupcake",
    "daddy", "dakota", "dallas", "daniel", "daniel1", "darling", "database", "david", "david1",
    "default", "demo", "denver", "diablo", "diamond", "dollar", "dolphin", "dolphins", "doudou",
    "dragon", "dragon1", "dragon123", "dragonball", "eagle", "eagles", "einstein", "elizabeth",
    "elvis", "emily", "eminem", "england", "eric", "ethan", "everything", "facebook", "falcon",
    "family", "family1", "father", "ferrari", "first", "florida", "flower", "flowers", "football",
    "football1", "football12", "football123", "forever", "forever1", "foreverlove", "fortnite",
    "freedom", "freedom1", "friend", "friends", "frodo", "fuckoff", "fuckyou", "fuckyou1", "gamer",
    "gaming", "gandalf", "garfield", "genius", "george", "ginger", "god", "godisgood", "golden",
    "goodbye", "goodluck", "google", "guest", "guinness", "hack1234", "hacked", "hacker", "haha",
    "hahaha", "halo", "hannah", "happiness", "happy", "happy123", "harley", "harley1", "heaven",
    "hehehe", "hello", "hello123", "hello1234", "hellokitty", "helloworld", "hobbit", "hockey",
    "honey", "honey123", "hottie", "houston", "hunter", "hunter123", "hunter2", "hurricane",
    "ilovegod", "iloveu", "iloveyou", "iloveyou!", "iloveyou1", "iloveyou123", "iloveyou2",
    "iloveyou2024", "iloveyou520", "india", "instagram", "internet", "internet1", "iphone",
    "isabella", "jackson", "jakarta", "james", "james1", "jasmine", "jennifer", "jennifer1",
    "jessica", "jessica1", "jesus", "jesus1", "john", "john1", "jordan", "jordan1", "jordan123",
    "jordan23", "joseph", "joshua", "justice", "justin", "justin1", "juventus", "kevin", "keyboard",
    "killer", "killer123", "knight", "kobe24", "kobebryant", "lakers", "laptop", "lauren", "lebron",
    "legend", "letmein", "letmein!", "letmein1", "letmein12", "letmein123", "letmeinnow",
    "lightning", "linkedin", "linkinpark", "linux", "lion", "liverpool", "liverpool1", "lkjhgfdsa",
    "lmao", "login", "login123", "lol123", "lollol", "london", "loulou", "love123", "lovely",
    "loveme", "lover", "loveyou", "lucky", "mac123", "madison", "madonna", "maggie", "manchester",
    "manila", "mario", "mark", "marlboro", "marseille", "martin", "master", "master1", "master123",
    "masterkey", "matrix", "matthew", "maybe", "mazda", "melissa", "mercedes", "merlin", "messi",
    "metallica", "mexico", "michael", "michael1", "michael23", "michelle", "michelle1", "mickey",
    "mickeymouse", "microsoft", "million", "minecraft", "mnbvcxz", "mommy", "money", "money1",
    "money123", "monitor", "monkey", "monkey1", "monkey12", "monkey123", "monster", "monsters",
    "motdepasse", "mother", "mouse", "muffin", "mustang", "mustang1", "mypass", "mypassword",
    "mysql", "naruto", "natalie", "nathan", "naughty", "ncc1701", "network", "never", "newpassword",
    "newyork", "neymar", "nicolas", "nicole", "nicole1", "ninja", "nintendo", "nirvana", "nobody",
    "nopassword", "nothing", "number1", "oldpassword", "olivia", "omg123", "omgomg", "open",
    "opensesame", "oracle", "orange", "p@$$w0rd", "p@ssw0rd", "p@ssw0rd1", "p@ssw0rd123",
    "p@ssword", "pa$$w0rd", "pa$$word", "pa55word", "packers", "panda", "paris", "pass123",
    "pass1234", "passpass", "passw0rd", "passw0rd1", "password", "password!", "password01",
    "password1", "password12", "password123", "password1234", "password12345", "password2023",
    "password2024", "password2025", "passwort", "patrick", "paul", "peanut", "pepper", "pepsi",
    "peter", "phoenix", "phoenix1", "pikachu", "pirate", "pizza", "player", "player1",
    "playstation", "poiuytrewq", "pokemon", "pokemon1", "porsche", "postgres", "princess",
    "princess1", "princess123", "privacy", "private", "ps4", "pumpkin", "purple", "pussy",
    "pussycat", "q1w2e3r4", "q1w2e3r4t5", "q1w2e3r4t5y6", "qazwsx", "qazwsx123", "qazwsxedc",
    "qazwsxedc123", "qazxsw", "qqqqqq", "qqqqqqqq", "qwe123", "qweasd", "qweasdzxc", "qweasdzxc123",
    "qweqwe", "qwer", "qwer1234", "qwerasdfzxcv", "qwerqwer", "qwerty", "qwerty1", "qwerty11",
    "qwerty12", "qwerty123", "qwerty123!", "qwerty1234", "qwerty12345", "qwerty123456", "qwerty7",
    "qwertyasdf", "qwertyu", "qwertyui", "qwertyuiop", "qwertyuiop1", "qwertyuiop123", "qwertz",
    "qwertz123", "r2d2c3po", "rachel", "rainbow", "ranger", "rangers", "realmadrid", "redbull",
    "rich", "richard", "rihanna", "robert", "robert1", "roblox", "rock", "rockstar", "rocky",
    "rocky1", "ronaldo", "root", "router", "russia", "ryan", "sam", "samantha", "samsung", "samuel",
    "samurai", "sarah", "sarah1", "scooby", "secret", "secret1", "secret123", "secret1234",
    "secure", "security", "selena", "senha", "server", "server123", "sesame", "sexy", "sexy123",
    "shadow", "shadow1", "shadow123", "shakira", "silver", "sister", "skeleton", "slipknot",
    "smile", "smiley", "smokey", "snapchat", "snoopy", "snowball", "soccer", "soccer1", "soccer123",
    "someone", "something", "sophia", "spiderman", "spongebob", "spring", "sprite", "starcraft",
    "starwars", "starwars1", "steelers", "stephanie", "steven", "storm", "success", "summer",
    "summer1", "summer2023", "summer2024", "sunflower", "sunshine", "sunshine1", "superman",
    "superman1", "superstar", "sweetheart", "sweetie", "sweety", "swift", "taylor", "tequila",
    "test", "test123", "test1234", "testing", "testtest", "texas", "thepassword", "thomas",
    "thomas1", "thunder", "thx1138", "tiger", "tigger", "tiktok", "tinkerbell", "toor", "tottenham",
    "trinity", "trustno1", "trustno1!", "tupac", "turtle", "twitter", "tyler", "ubuntu", "unicorn",
    "united", "unknown", "usa123", "user", "user123", "vampire", "victoria", "victory", "viking",
    "vodka", "warcraft", "warrior", "warriors", "welcome", "welcome!", "welcome1", "welcome123",
    "welcome2024", "welcomehome", "whatever", "whatever1", "whiskey", "wifi123", "william",
    "william1", "windows", "winner", "winter", "winter2024", "wireless", "woaini", "woaini1314",
    "wolf", "xbox", "xbox360", "xxxxxx", "yamaha", "yankees", "yellow", "yourpassword", "youtube",
    "zaq!2wsx", "zaq12wsx", "zaq1zaq1", "zelda", "zombie", "zxcvasdf", "zxcvbn", "zxcvbnm",
    "zxcvbnm1", "zxcvbnm12", "zxcvbnm123", "zxczxc", "zzzzzz",
};
static_assert(std::is_sorted(kCommonPasswords.begin(), kCommonPasswords.end()),
              "keep kCommonPasswords sorted (LC_ALL=C sort -u)");

bool listed(std::string_view lower) {
  return std::binary_search(kCommonPasswords.begin(), kCommonPasswords.end(), lower);
}

bool is_suffix_char(char c) {
  constexpr std::string_view kPunct = "!@#$%^&*()_-+=.,?~";
  return (c >= '0' && c <= '9') || kPunct.find(c) != std::string_view::npos;
}

}  // namespace

bool is_common_password(std::string_view password) {
  std::string lower(password);
  for (char& c : lower)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  if (listed(lower)) return true;
  // "Sunshine2024!" is "sunshine" to a guessing attacker: rules that append
  // digits and symbols are the first thing cracking tools apply. The base
  // must be 4+ characters so short entries do not swallow unrelated passwords.
  size_t end = lower.size();
  while (end > 0 && is_suffix_char(lower[end - 1])) --end;
  return end >= 4 && end < lower.size() && listed(std::string_view(lower).substr(0, end));
}

}  // namespace sb::identity
