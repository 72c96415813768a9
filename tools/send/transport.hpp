// Where built messages go: the Gmail API, or a folder of .eml files.
//
//   gmail        POST {GOG_GMAIL_API_URL}/gmail/v1/users/me/messages/send
//                with {"raw": base64url(message)} and a bearer token from
//                the OAuth refresh-token grant at GOG_OAUTH_TOKEN_URL.
//                Defaults: https://gmail.googleapis.com and
//                https://oauth2.googleapis.com/token.
//   outbox:DIR   one file per message in DIR, written atomically, named
//                <UTC time>-<counter>-<recipient>-<id>.eml so a listing
//                sorts in sending order.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gog::send {

struct Outgoing {
  std::string raw;         // the RFC 5322 message, CRLF line ends
  std::string recipient;   // for file names and messages
  std::string message_id;  // "<...@...>"
};

struct Receipt {
  std::string gmail_id;  // Gmail's id of the sent message
  std::string file;      // the outbox file
};

class Transport {
 public:
  virtual ~Transport() = default;
  // Hands the message over; throws gog::Error when it was not accepted.
  virtual Receipt send(const Outgoing& message) = 0;
  virtual std::string name() const = 0;  // "gmail" or "outbox"
};

struct GmailCredentials {
  std::string client_id;
  std::string client_secret;
  std::string refresh_token;
};

// GMAIL_CLIENT_ID, GMAIL_CLIENT_SECRET, GMAIL_REFRESH_TOKEN, each from the
// environment, else from the account's keyring entry of the same name.
// Throws gog::Error naming the first one missing.
GmailCredentials gmail_credentials(const std::string& account);

// The JSON body of messages.send: {"raw": <padded base64url>}. Never the
// standard alphabet, whose '+' and '/' Gmail rejects (case C07).
std::string gmail_send_body(std::string_view raw_message);

// "gmail" or "outbox:DIR". account is used only for Gmail credentials.
// Throws UsageError for any other spec.
std::unique_ptr<Transport> open_transport(const std::string& spec,
                                          const std::string& account);

}  // namespace gog::send
