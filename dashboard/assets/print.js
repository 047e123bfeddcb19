// The handover sheet's Print button: the browser's print (one A4 page a patient, see cartwatch.css @media print).
document.addEventListener("click", function (event) {
    if (event.target && event.target.closest && event.target.closest("#handover-print")) {
        window.print();
    }
});
