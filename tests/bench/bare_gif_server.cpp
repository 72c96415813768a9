// The benchmark's ceiling: a Poco HTTP server configured like gog-serve
// that answers every request with the pixel and nothing else.
//   bench-bare_gif_server PORT   (0: any free port; prints the port it got,
//                                 runs until SIGTERM or SIGINT)
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <signal.h>

#include <iostream>
#include <string>

#include "serve/handler.hpp"

namespace {

using namespace Poco::Net;

class GifHandler : public HTTPRequestHandler {
 public:
  void handleRequest(HTTPServerRequest&,
                     HTTPServerResponse& response) override {
    response.setContentType("image/gif");
    response.set("Cache-Control",
                 "no-store, no-cache, must-revalidate, max-age=0");
    response.set("Pragma", "no-cache");
    response.set("Expires", "0");
    response.setContentLength(sizeof gog::serve::kPixelGif);
    response.sendBuffer(gog::serve::kPixelGif, sizeof gog::serve::kPixelGif);
  }
};

class GifFactory : public HTTPRequestHandlerFactory {
 public:
  HTTPRequestHandler* createRequestHandler(const HTTPServerRequest&) override {
    return new GifHandler;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2)
    return 2;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  ServerSocket socket(SocketAddress("127.0.0.1", std::stoi(argv[1])), 1024);
  HTTPServerParams::Ptr params = new HTTPServerParams;
  params->setMaxThreads(64);
  params->setMaxQueued(1024);
  params->setKeepAlive(true);
  Poco::ThreadPool pool(2, 64);
  HTTPServer server(new GifFactory, pool, socket, params);
  server.start();
  std::cout << socket.address().port() << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  server.stopAll(true);
  return 0;
}
