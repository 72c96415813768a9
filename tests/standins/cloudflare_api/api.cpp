#include "api.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartReader.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <iostream>
#include <limits>
#include <regex>
#include <sstream>

namespace standin {
namespace {

using Poco::Net::HTTPServerRequest;
using Poco::Net::HTTPServerResponse;

struct Reply {
  int status = 200;
  Json body;
};

// A Cloudflare API failure, turned into an error envelope at the top.
struct ApiError {
  int status;
  int code;
  std::string message;
};

struct Failure {
  std::string method;
  std::string path_contains;
  ApiError error;
  int times = 1;
};

Json envelope(Json result) {
  return {{"success", true},
          {"errors", Json::array()},
          {"messages", Json::array()},
          {"result", std::move(result)}};
}

Json error_envelope(const ApiError& e) {
  return {{"success", false},
          {"errors", {{{"code", e.code}, {"message", e.message}}}},
          {"messages", Json::array()},
          {"result", nullptr}};
}

struct Request {
  std::string method;
  std::string path;
  std::string query;
  std::map<std::string, std::string> params;
  HTTPServerRequest* http = nullptr;

  std::string param(const std::string& name, std::string fallback) const {
    auto it = params.find(name);
    return it == params.end() ? fallback : it->second;
  }
};

std::string read_body(HTTPServerRequest& http) {
  std::string body;
  Poco::StreamCopier::copyToString(http.stream(), body);
  return body;
}

Json json_body(Request& req) {
  std::string body = read_body(*req.http);
  Json parsed = Json::parse(body, nullptr, false);
  if (parsed.is_discarded())
    throw ApiError{400, 10026, "Could not parse request body as JSON"};
  return parsed;
}

// Every part of a multipart/form-data body, file or plain field. Read with
// MultipartReader because HTMLForm ignores the body of a PATCH.
struct Part {
  std::string name;
  std::string filename;
  std::string content_type;
  std::string content;
};

std::vector<Part> multipart_body(Request& req) {
  std::string media;
  Poco::Net::NameValueCollection params;
  Poco::Net::MessageHeader::splitParameters(req.http->getContentType(), media,
                                            params);
  if (media != "multipart/form-data" || !params.has("boundary"))
    throw ApiError{400, 10021, "expected a multipart/form-data body"};
  Poco::Net::MultipartReader reader(req.http->stream(), params["boundary"]);
  std::vector<Part> parts;
  while (reader.hasNextPart()) {
    Poco::Net::MessageHeader header;
    reader.nextPart(header);
    std::string disposition;
    Poco::Net::NameValueCollection dparams;
    Poco::Net::MessageHeader::splitParameters(
        header.get("Content-Disposition", ""), disposition, dparams);
    Part part{dparams.get("name", ""), dparams.get("filename", ""),
              header.get("Content-Type", ""), ""};
    Poco::StreamCopier::copyToString(reader.stream(), part.content);
    parts.push_back(std::move(part));
  }
  return parts;
}

const Part* find_part(const std::vector<Part>& parts, const std::string& n) {
  for (const auto& p : parts)
    if (p.name == n) return &p;
  return nullptr;
}

Json metadata_part(const std::vector<Part>& parts) {
  const Part* part = find_part(parts, "metadata");
  if (!part) throw ApiError{400, 10021, "Uncaught Error: no metadata part"};
  Json metadata = Json::parse(part->content, nullptr, false);
  if (metadata.is_discarded())
    throw ApiError{400, 10021, "metadata is not valid JSON"};
  return metadata;
}

class Api {
 public:
  Api(Store& store, ApiConfig config)
      : store_(store), config_(std::move(config)) {}

  Reply handle(Request& req) {
    if (req.path.rfind("/__standin/", 0) == 0) return test_route(req);
    check_failure(req);
    check_auth(req);
    Reply reply = route(req);
    if (config_.after_change && req.method != "GET")
      config_.after_change(req.path);
    return reply;
  }

  std::mutex mutex;

 private:
  Reply test_route(Request& req) {
    if (req.method == "GET" && req.path == "/__standin/state")
      return {200, store_.state()};
    if (req.method == "POST" && req.path == "/__standin/fail") {
      Json f = json_body(req);
      failures_.push_back({f.value("method", ""), f.value("path_contains", ""),
                           {f.value("status", 500), f.value("code", 10013),
                            f.value("message", "injected failure")},
                           f.value("times", 1)});
      return {200, envelope(nullptr)};
    }
    if (req.method == "POST" && req.path == "/__standin/live" &&
        config_.set_live) {
      config_.set_live(json_body(req).value("running", true));
      return {200, envelope(nullptr)};
    }
    throw ApiError{404, 7003, "no such stand-in route"};
  }

  void check_failure(const Request& req) {
    for (auto& f : failures_) {
      if (f.times <= 0 || (!f.method.empty() && f.method != req.method) ||
          req.path.find(f.path_contains) == std::string::npos)
        continue;
      --f.times;
      throw f.error;
    }
  }

  void check_auth(const Request& req) {
    const std::string& auth = req.http->get("Authorization", "");
    if (auth.empty())
      throw ApiError{400, 9106,
                     "Missing X-Auth-Key, X-Auth-Email or Authorization "
                     "headers"};
    if (auth != "Bearer " + config_.token)
      throw ApiError{403, 10000, "Authentication error"};
  }

  Reply route(Request& req) {
    static const std::regex account_re("^/client/v4/accounts/([^/]+)(/.*)$");
    std::smatch m;
    if (std::regex_match(req.path, m, account_re)) {
      if (m[1] != config_.account)
        throw ApiError{403, 10000, "Authentication error"};
      return account_route(req, m[2]);
    }
    if (req.path == "/client/v4/user/tokens/verify")
      return {200, envelope({{"id", "standin"}, {"status", "active"}})};
    if (req.path == "/client/v4/memberships")
      return {200, envelope(Json::array({{{"account",
                                           {{"id", config_.account},
                                            {"name", "stand-in"}}}}}))};
    return unhandled(req);
  }

  Reply account_route(Request& req, const std::string& rest) {
    static const std::regex d1_one("^/d1/database/([^/]+)$");
    static const std::regex d1_query("^/d1/database/([^/]+)/(query|raw)$");
    static const std::regex script("^/workers/scripts/([^/]+)$");
    static const std::regex script_sub("^/workers/scripts/([^/]+)/([a-z-]+)$");
    static const std::regex service("^/workers/services/([^/]+)$");
    std::smatch m;
    if (rest == "/d1/database") {
      return req.method == "POST" ? create_database(req)
                                  : list_databases(req);
    }
    if (std::regex_match(rest, m, d1_query) && req.method == "POST")
      return query(req, m[1], m[2] == "raw");
    if (std::regex_match(rest, m, d1_one) && req.method == "GET")
      return {200, envelope(require_database(m[1]))};
    if (std::regex_match(rest, m, script) && req.method == "PUT")
      return upload_script(req, m[1]);
    if (std::regex_match(rest, m, script_sub))
      return script_route(req, m[1], m[2]);
    if (std::regex_match(rest, m, service) && req.method == "GET")
      return service_info(m[1]);
    if (rest == "/workers/subdomain" && req.method == "GET")
      return {200, envelope({{"subdomain", "standin"}})};
    return unhandled(req);
  }

  Reply unhandled(const Request& req) {
    std::cerr << "cf-api-standin: unhandled " << req.method << " " << req.path
              << "?" << req.query << "\n";
    throw ApiError{404, 7003,
                   "Could not route to " + req.path +
                       ", perhaps your object identifier is invalid?"};
  }

  Reply list_databases(const Request& req) {
    int page = std::max(1, std::stoi(req.param("page", "1")));
    int per_page = std::clamp(std::stoi(req.param("per_page", "1000")), 1,
                              10000);
    std::string name = req.param("name", "");
    Json all = Json::array();
    for (const auto& d : store_.list_databases())
      if (name.empty() || d["name"].get<std::string>().find(name) !=
                              std::string::npos)
        all.push_back(d);
    Json slice = Json::array();
    for (std::size_t i = (page - 1) * std::size_t(per_page);
         i < all.size() && slice.size() < std::size_t(per_page); ++i)
      slice.push_back(all[i]);
    Json out = envelope(slice);
    out["result_info"] = {{"page", page},
                          {"per_page", per_page},
                          {"count", slice.size()},
                          {"total_count", all.size()}};
    return {200, out};
  }

  Reply create_database(Request& req) {
    Json body = json_body(req);
    std::string name = body.value("name", "");
    static const std::regex valid("^[a-z0-9][a-z0-9-]{0,63}$");
    if (!std::regex_match(name, valid))
      throw ApiError{400, 7400, "The database name is invalid: " + name};
    if (store_.has_database_named(name))
      throw ApiError{400, 7502, "A database with that name already exists"};
    return {200, envelope(store_.create_database(name))};
  }

  Json require_database(const std::string& uuid) {
    auto db = store_.database(uuid);
    if (!db)
      throw ApiError{404, 7404,
                     "The database " + uuid + " could not be found"};
    return *db;
  }

  Reply query(Request& req, const std::string& uuid, bool raw) {
    require_database(uuid);
    Json body = json_body(req);
    if (!body.contains("sql") || !body["sql"].is_string())
      throw ApiError{400, 7400, "A request to /query must contain 'sql'"};
    try {
      Json results = store_.query(uuid, body["sql"],
                                  body.value("params", Json::array()));
      if (raw) results = to_raw(results);
      return {200, envelope(results)};
    } catch (const SqlError& e) {
      throw ApiError{400, 7500, e.what()};
    }
  }

  static Json to_raw(const Json& results) {
    Json out = Json::array();
    for (const auto& r : results) {
      Json columns = Json::array();
      Json rows = Json::array();
      for (const auto& row : r["results"]) {
        if (columns.empty())
          for (const auto& [k, v] : row.items()) columns.push_back(k);
        Json values = Json::array();
        for (const auto& [k, v] : row.items()) values.push_back(v);
        rows.push_back(values);
      }
      out.push_back({{"results", {{"columns", columns}, {"rows", rows}}},
                     {"success", true},
                     {"meta", r["meta"]}});
    }
    return out;
  }

  Reply upload_script(Request& req, const std::string& name) {
    auto parts = multipart_body(req);
    Json metadata = metadata_part(parts);
    std::string main = metadata.value("main_module",
                                      metadata.value("body_part", ""));
    std::vector<Module> modules;
    for (const auto& p : parts)
      if (p.name != "metadata")
        modules.push_back({p.filename.empty() ? p.name : p.filename,
                           p.content_type, p.content});
    if (!main.empty() && !find_module(modules, main))
      throw ApiError{400, 10021,
                     "Uncaught Error: No such module \"" + main + "\""};
    store_.put_script(name, metadata, modules);
    return {200, envelope(script_result(name, metadata))};
  }

  // The versions API: the stand-in keeps only the latest version and
  // treats it as deployed, since wrangler deploys it right after.
  Reply upload_version(Request& req, const std::string& name) {
    Reply uploaded = upload_script(req, name);
    return {200, envelope({{"id", "standin-version-" + name},
                           {"number", 1},
                           {"metadata", {{"source", "wrangler"}}},
                           {"resources",
                            {{"script", uploaded.body["result"]},
                             {"bindings", store_.script_settings(
                                              name)["bindings"]}}},
                           {"startup_time_ms", 1}})};
  }

  static bool find_module(const std::vector<Module>& modules,
                          const std::string& name) {
    for (const auto& m : modules)
      if (m.name == name) return true;
    return false;
  }

  Json script_result(const std::string& name, const Json& metadata) {
    return {{"id", name},
            {"etag", "standin"},
            {"handlers", {"fetch", "scheduled"}},
            {"compatibility_date", metadata.value("compatibility_date", "")},
            {"usage_model", "standard"},
            {"has_assets", false},
            {"has_modules", true},
            {"startup_time_ms", 1},
            {"deployment_id", "standin-deployment"}};
  }

  Reply script_route(Request& req, const std::string& name,
                     const std::string& what) {
    if (what == "secrets" && req.method == "PUT") return put_secret(req, name);
    require_script(name);
    if (what == "secrets" && req.method == "GET")
      return {200, envelope(store_.list_secrets(name))};
    if (what == "settings" && req.method == "GET")
      return {200, envelope(store_.script_settings(name))};
    if (what == "settings" && req.method == "PATCH")
      return patch_settings(req, name);
    if (what == "schedules" && req.method == "PUT")
      return put_schedules(req, name);
    if (what == "schedules" && req.method == "GET")
      return {200, envelope({{"schedules", store_.schedules(name)}})};
    if (what == "versions" && req.method == "POST")
      return upload_version(req, name);
    if (what == "deployments" && req.method == "POST")
      return {200, envelope(deployment(name))};
    if (what == "script-settings" && req.method == "PATCH")
      return {200, envelope(json_body(req))};
    if (what == "deployments" && req.method == "GET")
      return {200, envelope({{"deployments", {deployment(name)}}})};
    if (what == "subdomain")
      return {200, envelope({{"enabled", true}, {"previews_enabled", false}})};
    return unhandled(req);
  }

  // The stand-in keeps one version per script: the last upload, at 100 %.
  Json deployment(const std::string& name) {
    return {{"id", "standin-deployment-" + name},
            {"source", "wrangler"},
            {"strategy", "percentage"},
            {"created_on", "2026-01-01T00:00:00Z"},
            {"annotations", Json::object()},
            {"versions",
             {{{"version_id", "standin-version-" + name},
               {"percentage", 100}}}}};
  }

  void require_script(const std::string& name) {
    if (!store_.has_script(name))
      throw ApiError{404, 10007,
                     "This Worker does not exist on your account."};
  }

  Reply service_info(const std::string& name) {
    require_script(name);
    return {200, envelope({{"id", name},
                           {"default_environment",
                            {{"environment", "production"},
                             {"script", {{"id", name}, {"etag", "standin"}}}}},
                           {"environments", Json::array()}})};
  }

  Reply put_secret(Request& req, const std::string& script) {
    Json body = json_body(req);
    require_script(script);
    std::string name = body.value("name", "");
    if (name.empty() || body.value("type", "") != "secret_text")
      throw ApiError{400, 10021, "a secret needs a name and secret_text type"};
    store_.put_secret(script, name, body.value("text", ""));
    return {200, envelope({{"name", name}, {"type", "secret_text"}})};
  }

  Reply patch_settings(Request& req, const std::string& name) {
    auto parts = multipart_body(req);
    const Part* settings = find_part(parts, "settings");
    if (!settings) throw ApiError{400, 10021, "no settings part"};
    Json parsed = Json::parse(settings->content, nullptr, false);
    if (parsed.is_discarded())
      throw ApiError{400, 10021, "settings is not valid JSON"};
    store_.patch_settings(name, parsed);
    return {200, envelope(store_.script_settings(name))};
  }

  Reply put_schedules(Request& req, const std::string& name) {
    Json body = json_body(req);
    std::vector<std::string> crons;
    for (const auto& s : body) crons.push_back(s.value("cron", ""));
    store_.put_schedules(name, crons);
    return {200, envelope({{"schedules", store_.schedules(name)}})};
  }

  Store& store_;
  ApiConfig config_;
  std::vector<Failure> failures_;
};

// Query strings and logs: the body is never logged, since secrets ride in it.
Request parse_request(HTTPServerRequest& http) {
  Poco::URI uri(http.getURI());
  Request req{http.getMethod(), uri.getPath(), uri.getRawQuery(), {}, &http};
  for (const auto& [k, v] : uri.getQueryParameters()) req.params[k] = v;
  return req;
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  Handler(Api& api, Store& store) : api_(api), store_(store) {}

  void handleRequest(HTTPServerRequest& http,
                     HTTPServerResponse& response) override {
    Request req = parse_request(http);
    std::lock_guard lock(api_.mutex);
    Reply reply = dispatch(req);
    // An unread body would be parsed as the next request on this
    // keep-alive connection.
    http.stream().ignore(std::numeric_limits<std::streamsize>::max());
    store_.log_request(req.method, req.path, req.query, reply.status);
    std::string text = reply.body.dump();
    response.setStatus(
        static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
    response.setContentType("application/json");
    response.setContentLength(text.size());
    response.send() << text;
  }

 private:
  Reply dispatch(Request& req) {
    try {
      return api_.handle(req);
    } catch (const ApiError& e) {
      return {e.status, error_envelope(e)};
    } catch (const std::exception& e) {
      return {500, error_envelope({500, 10013, e.what()})};
    }
  }

  Api& api_;
  Store& store_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(Store& store, ApiConfig config)
      : store_(store), api_(store, std::move(config)) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const HTTPServerRequest&) override {
    return new Handler(api_, store_);
  }

 private:
  Store& store_;
  Api api_;
};

}  // namespace

Poco::Net::HTTPRequestHandlerFactory* make_factory(Store& store,
                                                   ApiConfig config) {
  return new Factory(store, std::move(config));
}

}  // namespace standin
