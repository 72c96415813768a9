// gog gmail send: addresses, headers, bodies, the pixel, and the command's
// refusals. Cases C01, C02, C04, C05 and C06 in their own tests below.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>

#include "common/crypto.hpp"
#include "common/error.hpp"
#include "common/tracking_keys.hpp"
#include "send/address.hpp"
#include "send/html_text.hpp"
#include "send/mime.hpp"
#include "send/mime_read.hpp"
#include "send/pixel.hpp"
#include "support/test_support.hpp"

namespace gog::send {
namespace {

namespace t = gog::test;
namespace fs = std::filesystem;

const std::string kUrl = "https://t.example.com/p/AbC-_9.gif";

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> crlf_lines(const std::string& raw) {
  std::vector<std::string> lines;
  std::size_t begin = 0;
  for (auto end = raw.find("\r\n"); end != std::string::npos;
       end = raw.find("\r\n", begin)) {
    lines.push_back(raw.substr(begin, end - begin));
    begin = end + 2;
  }
  lines.push_back(raw.substr(begin));
  return lines;
}

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1))
    ++n;
  return n;
}

std::string unfold(std::string_view header) {
  std::string out(header);
  for (auto at = out.find("\r\n"); at != std::string::npos;
       at = out.find("\r\n"))
    out.erase(at, 2);
  return out;
}

MessageSpec simple_spec() {
  MessageSpec spec;
  spec.to = {{"", "ann@example.com"}};
  spec.subject = "Weekly report";
  spec.html = "<html><body><p>Hi</p></body></html>";
  spec.date = 1767225600;
  spec.message_id = "<abc@example.com>";
  return spec;
}

// The decoded parts of a built message: text/plain and text/html.
struct Decoded {
  MimeEntity message;
  std::string text, html;
  std::vector<MimeEntity> parts;
};

Decoded decode(const std::string& raw) {
  std::string why;
  auto message = parse_entity(raw, &why);
  EXPECT_TRUE(message) << why;
  Decoded d{*message, {}, {}, {}};
  auto parts = multipart_parts(*message);
  EXPECT_TRUE(parts);
  if (!parts)
    return d;
  d.parts = *parts;
  for (const auto& part : *parts) {
    auto type = part.header("Content-Type").value_or("");
    auto body = decoded_body(part);
    EXPECT_TRUE(body) << type;
    (type.starts_with("text/html") ? d.html : d.text) = body.value_or("");
  }
  return d;
}

// ---- addresses ------------------------------------------------------------

TEST(Address, SplitsOnlyAtCommasOutsideQuotesAndBrackets) {  // C04.5
  auto list = parse_mailbox_list(
      "\"Doe, Jane\" <jane@example.com>, ann@example.com", "--to");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "Doe, Jane");
  EXPECT_EQ(list[0].address, "jane@example.com");
  EXPECT_EQ(list[1].name, "");
  EXPECT_EQ(list[1].address, "ann@example.com");

  auto odd =
      split_mailbox_list("\"A \\\"x, y\\\"\" <a@x.org>,<b,c@x.org>, c@x.org,");
  ASSERT_EQ(odd.size(), 3u);
  EXPECT_EQ(odd[0], "\"A \\\"x, y\\\"\" <a@x.org>");
  EXPECT_EQ(odd[1], "<b,c@x.org>");
  EXPECT_EQ(parse_mailbox(odd[0], "--to").name, "A \"x, y\"");
}

TEST(Address, ParsesNamesAndBareAddresses) {
  auto m = parse_mailbox("  Zoë Müller <zoe@example.com> ", "--from");
  EXPECT_EQ(m.name, "Zoë Müller");
  EXPECT_EQ(m.address, "zoe@example.com");
  EXPECT_EQ(parse_mailbox("<x.y+tag@sub.example.com>", "--to").address,
            "x.y+tag@sub.example.com");
}

TEST(Address, RejectsWhatIsNotAnAddressNamingTheFlag) {  // C05.3
  const std::vector<std::string> bad = {
      "ann@example.com\r\nBcc: spy@example.net",
      "ann@example.com\nBcc: spy@example.net",
      "ann@example.com\r",
      "ann example.com",
      "ann@exa mple.com",
      "ann",
      "a@b@example.com",
      "ann@",
      "@example.com",
      "ann..x@example.com",
      "ann@example..com",
      "ann@-",
      "Ann <ann@example.com",
      "Ann <ann@example.com> trailing",
      "\"Ann <ann@example.com>",
      "zoë@example.com",
      "ann@example.com\x01",
      "Ann\r\nBcc: spy@example.net <ann@example.com>",
  };
  for (const auto& value : bad) {
    try {
      parse_mailbox_list(value, "--cc");
      ADD_FAILURE() << "accepted " << gog::quoted(value);
    } catch (const UsageError& e) {
      std::string what = e.what();
      EXPECT_NE(what.find("--cc"), std::string::npos) << what;
      EXPECT_NE(what.find(gog::quoted(value)), std::string::npos) << what;
    }
  }
  EXPECT_THROW(parse_mailbox_list(" , ", "--to"), UsageError);
}

// ---- headers (C04) ----------------------------------------------------------

TEST(Headers, ShortUnicodeSubjectIsOneEncodedWord) {  // C04.1
  EXPECT_EQ(
      unstructured_header("Subject", "Café update — 東京 office ☕"),
      "Subject: =?UTF-8?B?Q2Fmw6kgdXBkYXRlIOKAlCDmnbHkuqwgb2ZmaWNlIOKYlQ==?=");
}

TEST(Headers, AsciiSubjectStaysPlain) {  // C04.3
  EXPECT_EQ(unstructured_header("Subject", "Weekly report"),
            "Subject: Weekly report");
}

TEST(Headers, EncodedNameLiteralAddress) {  // C04.4
  EXPECT_EQ(address_header("From", {{"Zoë Müller", "zoe@example.com"}}),
            "From: =?UTF-8?B?Wm/DqyBNw7xsbGVy?= <zoe@example.com>");
}

TEST(Headers, NamesWithSpecialsAreQuoted) {  // C04.5
  EXPECT_EQ(address_header("To", {{"Doe, Jane", "jane@example.com"},
                                  {"", "ann@example.com"}}),
            "To: \"Doe, Jane\" <jane@example.com>, ann@example.com");
  EXPECT_EQ(address_header("To", {{"A \"B\" \\C", "a@x.org"}}),
            "To: \"A \\\"B\\\" \\\\C\" <a@x.org>");
  EXPECT_EQ(address_header("To", {{"Ann Lee", "a@x.org"}}),
            "To: Ann Lee <a@x.org>");
}

// Lines of 76 or fewer, 7-bit, continuation lines start with a space,
// words of 75 or fewer, each word whole UTF-8, decodes to the input.
void expect_well_encoded(const std::string& header, const std::string& name,
                         const std::string& value) {
  auto lines = crlf_lines(header);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), 76u) << lines[i];
    if (i > 0) {
      EXPECT_EQ(lines[i].front(), ' ') << lines[i];
    }
    for (unsigned char c : lines[i])
      ASSERT_LT(c, 0x80) << header;
  }
  auto text = unfold(header).substr(name.size() + 2);
  std::size_t words = 0;
  std::size_t end = 0;
  for (auto at = text.find("=?"); at != std::string::npos;
       at = text.find("=?", end)) {
    end = text.find("?=", at + 10) + 2;
    auto word = text.substr(at, end - at);
    EXPECT_LE(word.size(), 75u) << word;
    EXPECT_NO_THROW(check_header_text(decode_header_words(word), "word"))
        << "a word splits a UTF-8 sequence: " << word;
    ++words;
  }
  EXPECT_GT(words, 0u);
  EXPECT_EQ(decode_header_words(text), value);
}

TEST(Headers, LongUnicodeSubjectFoldsIntoSeveralWholeWords) {  // C04.2
  std::string subject =
      "Résumé review für Zoë — 東京オフィスの四半期報告書 ☕ please read "
      "before Friday";
  ASSERT_EQ(subject.size(), 99u);
  auto header = unstructured_header("Subject", subject);
  EXPECT_GT(crlf_lines(header).size(), 1u);
  expect_well_encoded(header, "Subject", subject);
}

TEST(Headers, RandomUnicodeRoundTrips) {
  const std::vector<std::string> pieces = {"a", " ", "é",  "—",  "東",
                                           "☕", "😀", "Zz", "=?", "?="};
  std::mt19937 rng(42);
  for (int round = 0; round < 300; ++round) {
    std::string value = "x";
    auto n = rng() % 80;
    for (std::size_t i = 0; i < n; ++i)
      value += pieces[rng() % pieces.size()];
    value += "😀";
    std::string name = std::string(1 + rng() % 30, 'X');
    expect_well_encoded(unstructured_header(name, value), name, value);
    auto from = address_header(name, {{value, "a@x.org"}});
    EXPECT_EQ(decode_header_words(unfold(from).substr(name.size() + 2)),
              value + " <a@x.org>");
  }
}

TEST(Headers, AsciiThatLooksEncodedIsEncoded) {
  std::string subject = "=?UTF-8?B?SGk=?= literally";
  auto header = unstructured_header("Subject", subject);
  EXPECT_EQ(decode_header_words(unfold(header).substr(9)), subject);
}

TEST(Headers, LongAsciiSubjectFoldsAtSpaces) {
  std::string subject;
  for (int i = 0; i < 40; ++i)
    subject += "word" + std::to_string(i) + " ";
  subject += "end";
  auto header = unstructured_header("Subject", subject);
  for (const auto& line : crlf_lines(header))
    EXPECT_LE(line.size(), 76u);
  EXPECT_EQ(unfold(header), "Subject: " + subject);
}

// ---- header injection (C05) ---------------------------------------------

TEST(Injection, EveryHeaderFieldRefusesLineBreaks) {
  using Edit = std::function<void(MessageSpec&, const std::string&)>;
  const std::vector<std::pair<std::string, Edit>> fields = {
      {"--subject", [](auto& s, auto& v) { s.subject = "Invoice" + v; }},
      {"--from",
       [](auto& s, auto& v) {
         s.from = Mailbox{"Ann" + v, "a@x.org"};
       }},
      {"--from",
       [](auto& s, auto& v) {
         s.from = Mailbox{"", "a@x.org" + v};
       }},
      {"--to", [](auto& s, auto& v) { s.to[0].name = "Ann" + v; }},
      {"--to", [](auto& s, auto& v) { s.to[0].address += v; }},
      {"--cc",
       [](auto& s, auto& v) {
         s.cc = {{"C" + v, "c@x.org"}};
       }},
      {"--cc",
       [](auto& s, auto& v) {
         s.cc = {{"", "c@x.org" + v}};
       }},
      {"--bcc",
       [](auto& s, auto& v) {
         s.bcc = {{"", "b@x.org" + v}};
       }},
      {"--reply-to",
       [](auto& s, auto& v) {
         s.reply_to = Mailbox{"R" + v, "r@x.org"};
       }},
      {"--reply-to",
       [](auto& s, auto& v) {
         s.reply_to = Mailbox{"", "r@x.org" + v};
       }},
      {"header X-Campaign",
       [](auto& s, auto& v) {
         s.headers = {{"X-Campaign", "spring" + v}};
       }},
      {"header name",
       [](auto& s, auto& v) {
         s.headers = {{"X-A" + v, "1"}};
       }},
  };
  for (const std::string breaker :
       {"\r\nBcc: spy@example.net", "\nX-Injected: 1", "\rX-Injected: 1",
        "\n"}) {
    for (const auto& [field, edit] : fields) {
      auto spec = simple_spec();
      edit(spec, breaker);
      try {
        auto raw = build_message(spec);
        ADD_FAILURE() << field << " let " << gog::quoted(breaker) << " through";
      } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find(field), std::string::npos)
            << e.what();
      }
    }
  }
}

TEST(Injection, CustomHeadersCannotReplaceOurs) {
  for (std::string name : {"Bcc", "to", "Content-Type", "content-disposition",
                           "MIME-Version", "X A", "X:A", "", "Sübject"}) {
    auto spec = simple_spec();
    spec.headers = {{name, "1"}};
    EXPECT_THROW(build_message(spec), UsageError) << name;
  }
  auto spec = simple_spec();
  spec.headers = {{"List-Unsubscribe", "<https://example.com/u>"}};
  EXPECT_NE(build_message(spec).find(
                "\r\nList-Unsubscribe: <https://example.com/u>\r\n"),
            std::string::npos);
}

TEST(Injection, SafeMessageHasExactlyItsOwnHeaders) {
  auto spec = simple_spec();
  spec.from = Mailbox{"Zoë", "zoe@example.com"};
  spec.headers = {{"X-Campaign", "Spring offer Bcc: spy@example.net"}};
  auto d = decode(build_message(spec));
  EXPECT_EQ(d.message.count("Subject"), 1u);
  EXPECT_EQ(d.message.count("Bcc"), 0u);
  EXPECT_EQ(d.message.count("X-Injected"), 0u);
  std::vector<std::string> names;
  for (const auto& [n, v] : d.message.headers)
    names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"From", "To", "Subject", "Date",
                                             "Message-ID", "MIME-Version",
                                             "X-Campaign", "Content-Type"}));
}

// ---- message structure --------------------------------------------------

TEST(Mime, MultipartAlternativeDecodesBackToTheInput) {
  auto spec = simple_spec();
  spec.subject = "Café update — 東京 office ☕";
  spec.cc = {{"Doe, Jane", "jane@example.com"}};
  spec.reply_to = Mailbox{"", "replies@example.com"};
  spec.html =
      "<html><body><h1>Grüße &amp; more</h1>\n<p>Line</p>"
      "</body></html>\n";
  spec.html = inject_pixel(*spec.html, kUrl);
  auto raw = build_message(spec);

  auto d = decode(raw);
  EXPECT_EQ(decode_header_words(*d.message.header("Subject")), spec.subject);
  EXPECT_EQ(*d.message.header("Cc"), "\"Doe, Jane\" <jane@example.com>");
  EXPECT_EQ(*d.message.header("Date"), "Thu, 01 Jan 2026 00:00:00 +0000");
  EXPECT_EQ(*d.message.header("MIME-Version"), "1.0");
  EXPECT_TRUE(
      d.message.header("Content-Type")->starts_with("multipart/alternative"));
  ASSERT_EQ(d.parts.size(), 2u);
  EXPECT_EQ(*d.parts[0].header("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(*d.parts[1].header("Content-Type"), "text/html; charset=UTF-8");
  EXPECT_EQ(d.html, canonical_line_ends(*spec.html));
  EXPECT_EQ(d.text, "Grüße & more\r\n\r\nLine\r\n");
}

TEST(Mime, MostlyNonAsciiHtmlGoesBase64) {
  auto spec = simple_spec();
  std::string html = "<p>";
  for (int i = 0; i < 200; ++i)
    html += "東京オフィス";
  spec.html = html + "</p>";
  auto d = decode(build_message(spec));
  EXPECT_EQ(*d.parts[1].header("Content-Transfer-Encoding"), "base64");
  EXPECT_EQ(d.html, *spec.html);
}

TEST(Mime, TextOnlyMessageIsOnePart) {
  auto spec = simple_spec();
  spec.html.reset();
  spec.text = "Hello\nthere";
  auto message = parse_entity(build_message(spec));
  ASSERT_TRUE(message);
  EXPECT_EQ(*message->header("Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(*decoded_body(*message), "Hello\r\nthere");
}

TEST(Mime, QuotedPrintableVectors) {
  EXPECT_EQ(quoted_printable("a=b"), "a=3Db");
  EXPECT_EQ(quoted_printable("Caf\xc3\xa9 \t"), "Caf=C3=A9 =09");
  EXPECT_EQ(quoted_printable("end \r\nnext"), "end=20\r\nnext");
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string data;
    auto n = rng() % 400;
    for (std::size_t i = 0; i < n; ++i)
      data += static_cast<char>(rng() % 256);
    data = canonical_line_ends(data);
    auto encoded = quoted_printable(data);
    for (const auto& line : crlf_lines(encoded))
      ASSERT_LE(line.size(), 76u);
    ASSERT_EQ(decode_quoted_printable(encoded), data);
  }
}

TEST(Mime, LongMinifiedLineStaysWithinLimits) {  // C06
  std::string html = "<html><body>";
  for (int i = 0; i < 5000; ++i)
    html += "<span>x</span>";
  html += "</body></html>";
  auto spec = simple_spec();
  spec.html = inject_pixel(html, kUrl);
  auto raw = build_message(spec);

  auto head_end = raw.find("\r\n\r\n");
  for (const auto& line : crlf_lines(raw))
    ASSERT_LE(line.size(), 998u);
  for (const auto& line : crlf_lines(raw.substr(head_end + 4)))
    ASSERT_LE(line.size(), 76u);
  auto d = decode(raw);
  auto cte = *d.parts[1].header("Content-Transfer-Encoding");
  EXPECT_TRUE(cte == "quoted-printable" || cte == "base64") << cte;
  EXPECT_EQ(d.html, html.substr(0, html.size() - 14) + pixel_tag(kUrl) +
                        "</body></html>");
  EXPECT_EQ(count_of(d.html, "src=\"" + kUrl + "\""), 1u);
}

// ---- plain text derived from HTML ---------------------------------------

TEST(HtmlText, StripsTagsKeepsBlocksDecodesEntities) {
  std::string html =
      "<html><head><title>T</title><style>p{color:red}</style></head>"
      "<body><h1>Hello&nbsp;&amp; caf&#233; &#x2014; &lt;3&gt;</h1>"
      "<script>var s='<p>no</p>';</script><!-- hidden -->"
      "<p>One\n   two</p><ul><li>a</li><li>b</li></ul>"
      "line<br>break <a href=\"https://example.com/?a=1&amp;b=2\">site</a>"
      " <a href=\"https://x.org\">https://x.org</a> &unknown;</body></html>";
  EXPECT_EQ(html_to_text(html),
            "Hello & café — <3>\n\nOne two\n\n- a\n- b\n\nline\nbreak site "
            "(https://example.com/?a=1&b=2) https://x.org &unknown;\n");
}

// ---- the pixel (C01, C02) -------------------------------------------------

std::string tag() {
  return pixel_tag(kUrl);
}

TEST(Pixel, NoClosingBodyAppendsAtTheEnd) {  // C01 a, b, c
  std::string a = "<html><head></head><body><h1>Hi Ann</h1>";
  EXPECT_EQ(inject_pixel(a, kUrl), a + tag());
  std::string b = "<h1>Hi Ann</h1><p>Short note.</p>";
  EXPECT_EQ(inject_pixel(b, kUrl), b + tag());
  EXPECT_EQ(inject_pixel("<html><body><p>Hi</p></html>", kUrl),
            "<html><body><p>Hi</p>" + tag() + "</html>");
  EXPECT_EQ(inject_pixel("", kUrl), tag());
}

TEST(Pixel, UpperSpacedRepeatedAndScriptedBodyTags) {  // C02 a-d
  EXPECT_EQ(inject_pixel("<HTML><BODY><P>Hi</P></BODY></HTML>", kUrl),
            "<HTML><BODY><P>Hi</P>" + tag() + "</BODY></HTML>");
  EXPECT_EQ(inject_pixel("<html><body><p>Hi</p></body  ></html>", kUrl),
            "<html><body><p>Hi</p>" + tag() + "</body  ></html>");
  std::string part1 = "<html><body><p>Part 1</p></body></html>\n";
  EXPECT_EQ(
      inject_pixel(part1 + "<html><body><p>Part 2</p></body></html>", kUrl),
      part1 + "<html><body><p>Part 2</p>" + tag() + "</body></html>");
  EXPECT_EQ(inject_pixel("<html><body><script>var s='</body>';</script>"
                         "<p>Hi</p></body></html>",
                         kUrl),
            "<html><body><script>var s='</body>';</script><p>Hi</p>" + tag() +
                "</body></html>");
}

TEST(Pixel, EndTagTextThatIsNotATagIsIgnored) {
  const std::vector<std::pair<std::string, std::size_t>> cases = {
      {"<body><p>x</p><!-- </body> -->", 30},
      {"<body><p title=\"</body>\">x</p>", 30},
      {"<body><p title='a > </body>'>x</p>", 34},
      {"<body><![CDATA[</body>]]>x", 26},
      {"<body><style>a{}</BODY></style>x", 32},
      {"<body><SCRIPT>if(a</b)</body></Script>x", 39},
      {"<body><title></body></title>", 28},
      {"<p>a</p></BoDy><!-- </body> -->", 8},
      {"<p>a</p></body foo=\">\">tail", 8},
      {"<p>a</p></body/>", 8},
      {"<!--></body>-->x", 5},
      {"a </bodyx> b", 12},
  };
  for (const auto& [html, where] : cases)
    EXPECT_EQ(pixel_offset(html), where) << html;
}

TEST(Pixel, RemovingThePixelGivesBackTheInput) {  // C02 property
  const std::vector<std::string> pieces = {"<html>",
                                           "<body>",
                                           "</body>",
                                           "</BODY >",
                                           "</html>",
                                           "</HTML>",
                                           "<p>hi</p>",
                                           "<!-- </body> -->",
                                           "<!--",
                                           "-->",
                                           "<script>",
                                           "</script>",
                                           "var s='</body>';",
                                           "<style>",
                                           "</style>",
                                           "<a href=\"",
                                           "\">",
                                           "'",
                                           "\"",
                                           "<",
                                           ">",
                                           "é東",
                                           "\r\n",
                                           "<![CDATA[",
                                           "]]>",
                                           "<br/>",
                                           "text"};
  std::mt19937 rng(1234);
  for (int round = 0; round < 2000; ++round) {
    std::string html;
    auto n = rng() % 14;
    for (std::size_t i = 0; i < n; ++i)
      html += pieces[rng() % pieces.size()];
    auto out = inject_pixel(html, kUrl);
    ASSERT_EQ(count_of(out, tag()), 1u) << html;
    auto at = out.find(tag());
    ASSERT_EQ(at, pixel_offset(html));
    ASSERT_EQ(out.substr(0, at) + out.substr(at + tag().size()), html);
  }
}

TEST(Pixel, UrlAndWorkerChecks) {
  EXPECT_EQ(pixel_url("https://t.example.com/", "abc"),
            "https://t.example.com/p/abc.gif");
  EXPECT_NO_THROW(check_worker_url("http://127.0.0.1:8787"));
  for (std::string bad : {"ftp://x", "https://", "https://x\"y", "https://x y",
                          "https://x/?a", "t.example.com", "https://x\r\n"})
    EXPECT_THROW(check_worker_url(bad), UsageError) << bad;
}

// ---- the command, through the binary ----------------------------------

class SendCommand : public ::testing::Test {
 protected:
  std::map<std::string, std::string> env() const {
    auto keys = t::data_json("tracking-ids.json")["keys"];
    return {{"GOG_CONFIG_DIR", (dir_ / "config").string()},
            {"GOG_STATE_DIR", (dir_ / "state").string()},
            {"GOG_ACCOUNT", ""},
            {"GOG_WORKER_URL", ""},
            {"TRACKING_KEY_V1", keys["1"].get<std::string>()},
            {"TRACKING_CURRENT_KEY_VERSION", "1"}};
  }

  KeySet keys() const {
    auto e = env();
    return load_keys([&](std::string_view name) -> std::optional<std::string> {
      auto it = e.find(std::string(name));
      if (it == e.end())
        return std::nullopt;
      return it->second;
    });
  }

  t::RunResult send(std::vector<std::string> args) {
    args.insert(args.end(), {"--transport", "outbox:" + outbox().string(),
                             "--worker-url", "https://t.example.com"});
    return t::run_tool("gog-send", args, env());
  }

  fs::path outbox() const { return dir_ / "outbox"; }

  std::vector<std::string> outbox_files() const {
    std::vector<std::string> out;
    if (!fs::exists(outbox()))
      return out;
    for (const auto& e : fs::directory_iterator(outbox()))
      out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string events() const {
    auto path = dir_ / "state" / "events.jsonl";
    return fs::exists(path) ? slurp(path) : "";
  }

  void expect_refused(const std::vector<std::string>& args,
                      const std::string& message) {
    auto r = send(args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_TRUE(outbox_files().empty());
    EXPECT_EQ(events().find("message."), std::string::npos);
  }

  t::TempDir dir_;
};

TEST_F(SendCommand, TrackNeedsAnHtmlBody) {  // C01 d
  expect_refused({"--to", "ann@example.com", "--subject", "Hi", "--body-text",
                  "plain only", "--track"},
                 "needs an HTML body");
}

TEST_F(SendCommand, TrackNeedsExactlyOneRecipientAndNoCopies) {
  expect_refused({"--to", "ann@example.com, bob@example.com", "--subject", "Hi",
                  "--body-html", "<p>x</p>", "--track"},
                 "needs exactly one recipient");
  expect_refused({"--to", "ann@example.com", "--cc", "bob@example.com",
                  "--subject", "Hi", "--body-html", "<p>x</p>", "--track"},
                 "--cc or --bcc");
  expect_refused(
      {"--to", "ann@example.com", "--bcc", "bob@example.com", "--subject", "Hi",
       "--body-html", "<p>x</p>", "--track-split"},
      "--cc or --bcc");
}

TEST_F(SendCommand, LineBreaksInValuesAreRefused) {  // C05 1-3
  expect_refused({"--to", "ann@example.com", "--subject",
                  "Invoice\r\nBcc: spy@example.net", "--body-html", "<p>x</p>"},
                 "--subject");
  expect_refused(
      {"--to", "ann@example.com", "--subject", "Invoice\nX-Injected: 1",
       "--body-html", "<p>x</p>", "--track"},
      "--subject");
  expect_refused(
      {"--to", "ann@example.com\r\nBcc: spy@example.net", "--subject", "Hi",
       "--body-html", "<p>x</p>", "--track-split"},
      "--to address");
  expect_refused(
      {"--to", "ann@example.com", "--from", "Ann\r\nBcc: x@y.org <a@b.org>",
       "--subject", "Hi", "--body-html", "<p>x</p>"},
      "--from");
  expect_refused(
      {"--to", "ann@example.com", "--reply-to", "r@x.org\nBcc: x@y.org",
       "--subject", "Hi", "--body-html", "<p>x</p>"},
      "--reply-to");
  expect_refused(
      {"--to", "ann@example.com", "--header", "X-A: 1\r\nBcc: x@y.org",
       "--subject", "Hi", "--body-html", "<p>x</p>"},
      "header X-A");
}

TEST_F(SendCommand, OtherRefusals) {
  expect_refused({"--to", "ann@example.com", "--subject", "Hi"}, "body");
  auto r = t::run_tool("gog-send",
                       {"--to", "ann@example.com", "--subject", "Hi",
                        "--body-html", "<p>x</p>", "--transport", "pigeon"},
                       env());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown transport"), std::string::npos) << r.err;
  r = t::run_tool(
      "gog-send",
      {"--to", "ann@example.com", "--subject", "Hi", "--body-html", "<p>x</p>",
       "--track", "--transport", "outbox:" + outbox().string()},
      env());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("worker url"), std::string::npos) << r.err;
  EXPECT_TRUE(outbox_files().empty());
}

// Reads one outbox message: its To, decoded subject, HTML and pixel id.
struct Written {
  std::string to, subject, html, text, tracking_id;
};

Written read_written(const std::string& path) {
  auto raw = slurp(path);
  for (const auto& line : crlf_lines(raw))
    EXPECT_LE(line.size(), 998u);
  auto d = decode(raw);
  Written w{decode_header_words(*d.message.header("To")),
            decode_header_words(*d.message.header("Subject")), d.html, d.text,
            ""};
  auto at = d.html.find("https://t.example.com/p/");
  if (at != std::string::npos) {
    at += 24;
    w.tracking_id = d.html.substr(at, d.html.find(".gif", at) - at);
  }
  return w;
}

TEST_F(SendCommand, TrackSplitSendsOneTrackedMessagePerRecipient) {  // C04.5
  std::string subject = "Café update — 東京 office ☕";
  auto r = send({"--to", "\"Doe, Jane\" <jane@example.com>, ann@example.com",
                 "--from", "Zoë Müller <zoe@example.com>", "--subject", subject,
                 "--body-html", "<html><body><p>Hi</p></body></html>",
                 "--track-split", "--campaign", "spring"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto files = outbox_files();
  ASSERT_EQ(files.size(), 2u);

  auto jane = read_written(files[0]);
  auto ann = read_written(files[1]);
  EXPECT_EQ(jane.to, "\"Doe, Jane\" <jane@example.com>");
  EXPECT_EQ(ann.to, "ann@example.com");
  EXPECT_EQ(jane.subject, subject);
  EXPECT_EQ(jane.text, "Hi\r\n");
  EXPECT_NE(jane.tracking_id, ann.tracking_id);

  // The ids on stdout are the ones in the pixels, and they open to the
  // bare recipient and the hash of the Unicode subject (C04, C06).
  EXPECT_TRUE(
      r.out.starts_with("jane@example.com\t" + jane.tracking_id + "\t<"))
      << r.out;
  EXPECT_NE(r.out.find("\nann@example.com\t" + ann.tracking_id + "\t<"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(count_of(r.out, "\n"), 2u);
  for (const auto& [w, address] : {std::pair{jane, "jane@example.com"},
                                   std::pair{ann, "ann@example.com"}}) {
    auto payload = open_id(keys(), w.tracking_id);
    ASSERT_TRUE(payload) << w.tracking_id;
    EXPECT_EQ(payload->recipient, address);
    EXPECT_EQ(payload->subject_hash, subject_hash(subject));
  }

  // The log says what went out, with short ids only.
  auto log = events();
  EXPECT_EQ(count_of(log, "\"type\":\"message.sending\""), 2u);
  EXPECT_EQ(count_of(log, "\"type\":\"message.sent\""), 2u);
  EXPECT_NE(log.find("\"item\":\"spring/jane@example.com\""),
            std::string::npos);
  EXPECT_EQ(log.find(jane.tracking_id), std::string::npos);
  EXPECT_NE(log.find(jane.tracking_id.substr(0, 8)), std::string::npos);
}

TEST_F(SendCommand, LongLineTrackedMessageKeepsThePixelWhole) {  // C06
  std::string html = "<html><body>";
  for (int i = 0; i < 5000; ++i)
    html += "<span>x</span>";
  html += "</body></html>";
  fs::create_directories(dir_ / "in");
  std::ofstream(dir_ / "in" / "long.html", std::ios::binary) << html;
  auto r =
      send({"--to", "ann@example.com", "--subject", "Hi", "--body-html-file",
            (dir_ / "in" / "long.html").string(), "--track", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto out = nlohmann::json::parse(r.out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["recipient"], "ann@example.com");
  EXPECT_EQ(out[0]["transport"], "outbox");

  auto w = read_written(outbox_files().at(0));
  EXPECT_EQ(w.tracking_id, out[0]["tracking_id"].get<std::string>());
  auto url = pixel_url("https://t.example.com", w.tracking_id);
  EXPECT_EQ(w.html, html.substr(0, html.size() - 14) + pixel_tag(url) +
                        "</body></html>");
  EXPECT_TRUE(open_id(keys(), w.tracking_id));
}

TEST_F(SendCommand, UntrackedMessageGoesToEveryone) {
  auto r = send({"--to", "ann@example.com, bob@example.com", "--cc",
                 "cat@example.com", "--subject", "Weekly report", "--body-html",
                 "<p>x</p>", "--body-text", "x"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("ann@example.com,bob@example.com\t-\t<"))
      << r.out;
  auto files = outbox_files();
  ASSERT_EQ(files.size(), 1u);
  auto raw = slurp(files[0]);
  EXPECT_NE(raw.find("\r\nSubject: Weekly report\r\n"), std::string::npos);
  EXPECT_EQ(raw.find("/p/"), std::string::npos);
}

TEST_F(SendCommand, DemoNewsletterGetsOnePixelBeforeItsRealBodyEnd) {
  auto dir = fs::path(GOG_SOURCE_DIR) / "pipelines" / "newsletter";
  auto subject = slurp(dir / "subject.txt");
  subject.pop_back();  // the file's final newline
  auto r =
      send({"--to", "ada@example.com", "--subject", subject, "--body-html-file",
            (dir / "newsletter.html").string(), "--track"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  auto html = slurp(dir / "newsletter.html");
  auto w = read_written(outbox_files().at(0));
  EXPECT_EQ(w.subject, subject);
  auto url = pixel_url("https://t.example.com", w.tracking_id);
  auto end = html.rfind("</body>");
  EXPECT_EQ(w.html, canonical_line_ends(html.substr(0, end) + pixel_tag(url) +
                                        html.substr(end)));
  EXPECT_NE(w.text.find("Grüße aus Köln ☕\r\n"), std::string::npos);
  EXPECT_EQ(w.text.find("<"), std::string::npos);
}

}  // namespace
}  // namespace gog::send
