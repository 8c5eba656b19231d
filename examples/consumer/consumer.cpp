// consumer.c in C++17: the same corpus, model and training step, each handle owned by a
// std::unique_ptr whose deleter is the library's free function, and a failed call thrown
// as an exception carrying lstmsent_last_error(). Built from the installed library by
//
//   c++ -std=c++17 -Wall -Wextra -pedantic -Werror consumer.cpp $(pkg-config --cflags --libs lstmsent)
//
// and prints consumer.c's line (tests/consumers.sh compares them).
#include <lstmsent/lstmsent.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace {

// A deleter calling Free, the library's lstmsent_X_free (which takes NULL too).
template <auto Free>
struct deleter {
    template <class T>
    void operator()(T *p) const noexcept { Free(p); }
};

using corpus_ptr = std::unique_ptr<lstmsent_corpus, deleter<lstmsent_corpus_free>>;
using dataset_ptr = std::unique_ptr<lstmsent_dataset, deleter<lstmsent_dataset_free>>;
using model_ptr = std::unique_ptr<lstmsent_model, deleter<lstmsent_model_free>>;
using optim_ptr = std::unique_ptr<lstmsent_optim, deleter<lstmsent_optim_free>>;

class error : public std::runtime_error {
public:
    error(const char *what, lstmsent_status status)
        : std::runtime_error(std::string(what) + ": " + lstmsent_strerror(status) + " (" +
                             lstmsent_last_error() + ")"),
          status_(status) {}
    lstmsent_status status() const noexcept { return status_; }

private:
    lstmsent_status status_;
};

void check(lstmsent_status status, const char *what)
{
    if (status != LSTMSENT_OK)
        throw error(what, status);
}

// lstmsent_X_create(&raw, args...) into an owning pointer.
template <class Ptr, class Create, class... Args>
Ptr make(const char *what, Create create, Args &&...args)
{
    typename Ptr::pointer raw = nullptr;
    check(create(&raw, std::forward<Args>(args)...), what);
    return Ptr(raw);
}

int run()
{
    const char *const phrases[] = {
        "A gorgeous , witty , seductive movie .",
        "The movie is dull , lifeless and far too long .",
    };
    const int32_t labels[] = {4, 0};
    constexpr int32_t B = 2, T = 12;

    if (lstmsent_version_number() != LSTMSENT_VERSION_NUMBER ||
        std::strcmp(lstmsent_version_string(), LSTMSENT_VERSION_STRING) != 0)
        throw std::runtime_error(std::string("header ") + LSTMSENT_VERSION_STRING +
                                 ", library " + lstmsent_version_string());
    check(lstmsent_set_threads(1), "lstmsent_set_threads");

    auto corpus = make<corpus_ptr>("lstmsent_corpus_create", lstmsent_corpus_create, phrases,
                                   labels, size_t{B}, nullptr);

    lstmsent_dataset_options dopts;
    lstmsent_dataset_options_default(&dopts);
    dopts.seq_len = T;
    auto data = make<dataset_ptr>("lstmsent_dataset_create", lstmsent_dataset_create,
                                  corpus.get(), &dopts);

    lstmsent_model_options mopts;
    lstmsent_model_options_default(&mopts, lstmsent_corpus_vocab_size(corpus.get()));
    mopts.embed_dim = 8;
    mopts.hidden_dim = 6;
    mopts.num_layers = 1;
    mopts.lstm_dropout = 0.0f;
    mopts.output_dropout = 0.0f;
    mopts.seq_len = T;
    mopts.seed = 7;
    auto net = make<model_ptr>("lstmsent_model_create", lstmsent_model_create, &mopts);

    lstmsent_adam_options aopts;
    lstmsent_adam_options_default(&aopts);
    aopts.lr = 0.01;
    auto adam = make<optim_ptr>("lstmsent_optim_create_adam", lstmsent_optim_create_adam,
                                net.get(), &aopts);

    const int32_t *ids = lstmsent_dataset_ids(data.get());
    std::array<float, B * 5> out{};
    float before = 0, after = 0, acc = 0, norm = 0;
    check(lstmsent_optim_zero_grad(adam.get(), net.get()), "lstmsent_optim_zero_grad");
    check(lstmsent_model_forward(net.get(), ids, B, T, nullptr, nullptr, out.data(), out.size(),
                                 nullptr),
          "lstmsent_model_forward");
    check(lstmsent_model_loss(net.get(), labels, B, &before, &acc), "lstmsent_model_loss");
    check(lstmsent_model_backward(net.get()), "lstmsent_model_backward");
    check(lstmsent_model_clip_grad_norm(net.get(), 5.0f, 1, &norm),
          "lstmsent_model_clip_grad_norm");
    check(lstmsent_optim_step(adam.get(), net.get()), "lstmsent_optim_step");
    check(lstmsent_model_forward(net.get(), ids, B, T, nullptr, nullptr, out.data(), out.size(),
                                 nullptr),
          "lstmsent_model_forward");
    check(lstmsent_model_loss(net.get(), labels, B, &after, &acc), "lstmsent_model_loss");

    std::printf("liblstmsent %s: %zu phrases, %zu words, %zu parameters, loss %.6f -> %.6f "
                "after %lld step\n",
                lstmsent_version_string(), lstmsent_corpus_phrase_count(corpus.get()),
                lstmsent_corpus_vocab_size(corpus.get()), lstmsent_model_num_floats(net.get()),
                static_cast<double>(before), static_cast<double>(after),
                static_cast<long long>(lstmsent_optim_step_count(adam.get())));

    // A refused call throws, and the handles made so far are freed on the way out.
    try {
        make<model_ptr>("lstmsent_model_create", lstmsent_model_create, nullptr);
        std::fprintf(stderr, "consumer: lstmsent_model_create(NULL) did not fail\n");
        return 1;
    } catch (const error &e) {
        if (e.status() != LSTMSENT_ERR_NULL)
            throw;
    }
    if (!(after < before)) {
        std::fprintf(stderr, "consumer: the step did not lower the loss\n");
        return 1;
    }
    return 0;
}

} // namespace

int main()
{
    try {
        return run();
    } catch (const std::exception &e) {
        std::fprintf(stderr, "consumer: %s\n", e.what());
        return 1;
    }
}
